// Drawn by bench/board_bench.py (run with board/ as the working directory, for playwright-core):
// signs in to the board at BASE_URL as a dispatcher in Debian's Chromium, times the first render
// and a drag across rows, and prints one JSON line of figures. The board's files come from the
// build in BOARD_OUT (served by the browser itself), so that two builds meet the same API.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { extname, join, normalize } from "node:path";

const { chromium } = createRequire(join(process.cwd(), "package.json"))("playwright-core");
const BASE = process.env.BASE_URL;
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync"];
const DRAG_MS = 3000;
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".txt": "text/plain", ".json": "application/json",
  ".svg": "image/svg+xml", ".ico": "image/x-icon", ".woff2": "font/woff2" };

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true, args: FLAGS });
try {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const token = await (await fetch(`${BASE}/v1/dev/token`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: "dispatch1@demo.bayflow.dev" }),
  })).json();
  await context.addInitScript((t) => sessionStorage.setItem("bayflow.token", t), token.access_token);
  // The main thread's long tasks (over 50 ms): the render's own work, less the network's and the server's waits.
  await context.addInitScript(() => {
    window.__busy = 0;
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__busy += e.duration; }).observe({ type: "longtask", buffered: true });
  });
  await context.route(`${BASE}/board/**`, async (route) => {
    const path = new URL(route.request().url()).pathname.replace(/^\/board\/?/, "");
    const file = join(process.env.BOARD_OUT, normalize(path.endsWith("/") || path === "" ? `${path}index.html` : path));
    try {
      await route.fulfill({ body: await readFile(file), contentType: TYPES[extname(file)] ?? "application/octet-stream" });
    } catch {
      await route.fulfill({ status: 404, body: "" });
    }
  });
  const page = await context.newPage();
  let whatIfs = 0;
  let boardApiMs = null;
  page.on("response", (r) => { if (r.url().endsWith("/v1/schedule/what-if")) whatIfs++; });
  page.on("requestfinished", (r) => {
    if (boardApiMs === null && r.url().includes("/v1/board?")) boardApiMs = r.timing().responseEnd;
  });

  // First render: from navigation to the first block, then until the count of drawn blocks settles.
  const t0 = Date.now();
  await page.goto(`${BASE}/board/`);
  await page.locator(".vis-item.task").first().waitFor({ timeout: 60000 });
  const firstMs = Date.now() - t0;
  let blocks = -1;
  let allMs = firstMs;
  for (;;) {
    const n = await page.locator(".vis-item.task").count();
    if (n === blocks) break;
    blocks = n;
    allMs = Date.now() - t0;
    await page.waitForTimeout(250);
  }

  const busyMs = await page.evaluate(() => window.__busy);

  // Drag: a block of the first row down the rows and along the day for DRAG_MS, frames counted.
  const box = await page.locator(".vis-item.task.status-scheduled").evaluateAll((els) => {
    const r = els.map((e) => e.getBoundingClientRect()).find((b) => b.top > 150 && b.bottom < 600 && b.width >= 6);
    return r && { x: r.x, y: r.y, width: r.width, height: r.height };
  });
  const labels = await page.locator(".vis-label").evaluateAll((els) => els.map((e) => e.getBoundingClientRect().top + 15));
  await page.evaluate(() => {
    const w = window;
    w.__frames = [];
    const tick = (t) => { w.__frames.push(t); if (!w.__stop) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  const x0 = box.x + box.width / 2;
  const y0 = box.y + box.height / 2;
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move(x0 + 20, y0, { steps: 4 });
  const start = Date.now();
  let step = 0;
  while (Date.now() - start < DRAG_MS) {
    step++;
    const y = labels[step % Math.min(labels.length, 8)];
    await page.mouse.move(x0 + 20 + (step % 40) * 6, y, { steps: 1 });
  }
  const dragMs = Date.now() - start;
  await page.mouse.up();
  const frames = await page.evaluate(() => { window.__stop = true; return window.__frames; });
  const gaps = frames.slice(1).map((t, i) => t - frames[i]);
  const span = frames[frames.length - 1] - frames[0];
  console.log(JSON.stringify({
    first_ms: firstMs, all_ms: allMs, busy_ms: busyMs, board_api_ms: boardApiMs, blocks, drag_ms: dragMs, what_ifs: whatIfs,
    fps: ((frames.length - 1) * 1000) / span, max_frame_ms: Math.max(...gaps),
  }));
} finally {
  await browser.close();
}
