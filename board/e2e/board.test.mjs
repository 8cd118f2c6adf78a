// The dispatcher board in Debian's Chromium against a real bayflow (API, worker, Postgres) on the
// demo shop: BASE_URL, CHROMIUM and ARTIFACTS come from tests/web/test_board.py; FAILED_JOB_ID is a
// failed job it inserted for the ops page to retry.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";

const BASE = process.env.BASE_URL;
const ARTIFACTS = process.env.ARTIFACTS;
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync"];
const DISPATCHER = "dispatch1@demo.bayflow.dev";
const OTHER_DISPATCHER = "dispatch2@demo.bayflow.dev";
const TECHNICIAN = "ana@demo.bayflow.dev";
const SHOP_ZONE = "America/Chicago"; // the demo shop's

let browser, first, second, token;

async function api(method, path, body, headers = {}) {
  const response = await fetch(BASE + path, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...headers },
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function until(what, check, timeoutMs = 30000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function signIn(context, email) {
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`[${email}] page error:`, e.message));
  await page.goto(`${BASE}/board/sign-in/`);
  await page.locator(`button[data-email="${email}"]`).click();
  await page.waitForURL(`${BASE}/board/`);
  await page.locator(".vis-item.task").first().waitFor();
  await page.locator('[data-testid="live"].on').waitFor();
  return page;
}

const week = () => {
  const from = new Date(Date.now() - 7 * 86400000).toISOString();
  const to = new Date(Date.now() + 14 * 86400000).toISOString();
  return api("GET", `/v1/board?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`).then((r) => r.body);
};

/** Drags a task's block onto a row at its current start: sideways first (a vertical drag never
 * starts), then along the row until the slot under the cursor is the block's start again. */
async function dragTo(page, taskId, rowId, start, whileHeld) {
  const item = page.locator(`.vis-item.task-${taskId}`);
  await item.scrollIntoViewIfNeeded();
  const box = await item.boundingBox();
  const row = await page.locator(`.vis-label.row-${rowId}`).boundingBox();
  const x = box.x + Math.min(12, box.width / 2);
  await page.mouse.move(x, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(x + 20, box.y + box.height / 2, { steps: 4 });
  await page.mouse.move(x + 20, row.y + row.height / 2, { steps: 8 });
  const card = page.locator('[data-testid="whatif"]');
  for (const dx of [0, 4, 8, 12, 16, 20, 24, -4, -8, -12]) {
    await page.mouse.move(x + dx, row.y + row.height / 2, { steps: 2 });
    await page.waitForTimeout(50);
    if (Date.parse(await card.getAttribute("data-start")) === Date.parse(start)) break;
  }
  try {
    return await whileHeld();
  } finally {
    await page.mouse.up();
  }
}

const shopParts = (iso, options) => Object.fromEntries(new Intl.DateTimeFormat("en-CA", { timeZone: SHOP_ZONE, hourCycle: "h23", ...options })
  .formatToParts(new Date(iso)).map((p) => [p.type, p.value]));

/** `2026-12-07`: the shop's date of an instant. */
const shopDay = (iso) => {
  const p = shopParts(iso, { year: "numeric", month: "2-digit", day: "2-digit" });
  return `${p.year}-${p.month}-${p.day}`;
};

/** The instant of `hh:mm` on the shop's date of `iso`. */
function shopLocal(iso, clock) {
  const [hh, mm] = clock.split(":").map(Number);
  const p = shopParts(iso, { hour: "2-digit", minute: "2-digit" });
  let t = Date.parse(iso) + ((hh - Number(p.hour)) * 60 + mm - Number(p.minute)) * 60000;
  // a daylight-saving change between the two: an hour off
  const q = shopParts(new Date(t).toISOString(), { hour: "2-digit", minute: "2-digit" });
  t += ((hh - Number(q.hour)) * 60 + mm - Number(q.minute)) * 60000;
  return t;
}

/** A dispatcher's board in a new browser context whose clock reads `instant` (and runs on from it). */
async function openBoardAt(instant) {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  await context.addInitScript((t) => sessionStorage.setItem("bayflow.token", t), token);
  const page = await context.newPage();
  await page.clock.install({ time: instant });
  await page.clock.resume();
  await page.goto(`${BASE}/board/`);
  await page.locator(".vis-item.task").first().waitFor();
  return page;
}

/** What the board shows for a problem+json body: `title: detail; field: message; …`. */
function problemText(p) {
  const head = [p.title, p.detail].filter(Boolean).join(": ");
  return [head, ...(p.errors ?? []).map((e) => (e.field ? `${e.field}: ${e.message}` : e.message))].filter(Boolean).join("; ");
}

/** In the page: every visible text whose colour against its background is below WCAG AA (4.5:1, or
 * 3:1 for large text), as `text (ratio) colour on background`; disabled controls are exempt. */
function textBelowContrast() {
  const rgba = (css) => {
    const m = css.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return [r, g, b, a];
  };
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((v) => { const c = v / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const over = (top, under) => under.map((v, i) => top[i] * top[3] + v * (1 - top[3]));
  const backdrop = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] === 1) break; }
    }
    return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255]);
  };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || seen.has(el) || !node.textContent.trim() || el.closest("[disabled], script, style, datalist, option")) continue;
    seen.add(el);
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === "hidden" || box.bottom < 0 || box.top > innerHeight) continue;
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    const bg = backdrop(el);
    const fg = rgba(style.color);
    const text = over([fg[0], fg[1], fg[2], fg[3] * opacity], bg);
    const [hi, lo] = [luminance(text), luminance(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) out.push(`${node.textContent.trim().slice(0, 30)} (${ratio.toFixed(2)}) ${style.color} on rgb(${bg.map(Math.round)})`);
  }
  return out;
}

/** Day zoom on the day of a task's block (blocks outside the window are not drawn). */
async function showDayOf(page, taskId) {
  await page.getByLabel("Day", { exact: true }).check();
  await page.getByRole("button", { name: "Today" }).click();
  for (let i = 0; i < 8; i++) {
    // each day's blocks are drawn once that day's board has loaded: give it time on a busy machine
    const found = await page.locator(`.vis-item.task-${taskId}`).first()
      .waitFor({ state: "attached", timeout: 3000 }).then(() => true, () => false);
    if (found) return;
    await page.getByRole("button", { name: "Later" }).click();
  }
  throw new Error(`task ${taskId} is not on the board in the coming week`);
}

/** The row (technician id) a task's block is drawn in on a page. */
async function rowOf(page, taskId, rowIds) {
  // null, not a 30 s wait, when a redraw has just taken the block away (callers poll)
  const box = await page.locator(`.vis-item.task-${taskId}`).boundingBox({ timeout: 2000 }).catch(() => null);
  if (!box) return null;
  for (const id of rowIds) {
    const row = await page.locator(`.vis-label.row-${id}`).boundingBox();
    if (row && box.y >= row.y - 1 && box.y + box.height <= row.y + row.height + 1) return id;
  }
  return null;
}

before(async () => {
  const answer = await fetch(`${BASE}/v1/dev/token`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: DISPATCHER }),
  });
  token = (await answer.json()).access_token;
  // launch() starts Chromium on a fresh temporary profile (user data dir) of its own.
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true, args: FLAGS });
  first = await signIn(await browser.newContext({ viewport: { width: 1600, height: 1000 } }), DISPATCHER);
  second = await signIn(await browser.newContext({ viewport: { width: 1600, height: 1000 } }), OTHER_DISPATCHER);
});

after(async () => {
  await browser?.close();
});

test("a dispatcher signs in, re-optimizes and sees the demo shop's week", async () => {
  // The seeded shop has a few tasks placed by hand and the rest waiting for a first schedule run.
  await first.getByRole("button", { name: "Re-optimize now" }).click();
  await first.locator('[data-testid="progress"]', { hasText: "Re-optimizing" }).waitFor();
  await first.locator('[data-testid="progress"]', { hasText: "Last run succeeded" }).waitFor({ timeout: 60000 });
  const board = await week();
  const placed = board.tasks.filter((t) => t.planned_start && t.technician_id);
  assert.ok(placed.length > 20, `the run placed the demo shop's tasks: ${placed.length}`);
  await until("the board to draw the run's tasks", async () => (await first.locator(".vis-item.task").count()) >= 20, 5000);
  assert.match(await first.locator('[data-testid="range"]').innerText(), /America\/Chicago/);
  for (const t of board.technicians) assert.equal(await first.locator(`.vis-label.row-${t.id}`).count(), 1);
  await first.screenshot({ path: join(ARTIFACTS, "board.png") });
});

test("dragging a task to another technician previews, writes the chosen locks, re-optimizes and explains", async () => {
  const board = await week();
  const now = Date.now();
  // A drag snaps to the board's 15-minute grid: only a start on it can be dropped at the same start
  // (the demo's times follow the clock, so some tasks start off the grid).
  const movable = board.tasks.filter((t) => t.status === "scheduled" && t.technician_id && Date.parse(t.planned_start) > now + 3600000
    && Date.parse(t.planned_start) % 900000 === 0 && !t.lock_start && !t.lock_technician);
  let choice = null;
  for (const task of movable) {
    for (const tech of board.technicians) {
      if (tech.id === task.technician_id) continue;
      const w = await api("POST", "/v1/schedule/what-if", { task_id: task.id, technician_id: tech.id, start: task.planned_start });
      if (w.status === 200 && w.body.feasible) { choice = { task, tech }; break; }
    }
    if (choice) break;
  }
  assert.ok(choice, "a task with a feasible other technician at the same start");
  const { task, tech } = choice;
  await showDayOf(first, task.id);
  await first.locator('[data-testid="locks"] input[value="technician"]').check();
  const verdict = await dragTo(first, task.id, tech.id, task.planned_start, async () => {
    const card = first.locator(`[data-testid="whatif"][data-row="${tech.id}"]:not([data-checking])`);
    await card.waitFor();
    assert.equal(Date.parse(await card.getAttribute("data-start")), Date.parse(task.planned_start));
    return card.innerText();
  });
  assert.match(verdict, /^Feasible/, verdict);
  const moved = await until("the move to be written", async () => {
    const t = (await api("GET", `/v1/tasks/${task.id}`)).body;
    return t.assigned_technician_id === tech.id && t.lock_technician ? t : null;
  }, 10000);
  assert.equal(moved.lock_technician, true);
  assert.equal(moved.lock_start, false, "only the chosen lock (technician) is set");
  // The notice comes with following the move's run: from then on the progress is that run's, not the last one's.
  await first.locator('[data-testid="notice"]', { hasText: `Moved “${task.name}”` }).waitFor();
  await first.locator('[data-testid="progress"]', { hasText: "Last run succeeded" }).waitFor({ timeout: 60000 });
  const after = await week();
  const runId = after.latest_run.id;
  const shownRow = await until("the board to show the re-optimized plan", () => rowOf(first, task.id, [tech.id]), 5000);
  assert.equal(shownRow, tech.id);
  // Every block on the board is where the re-optimized plan puts it.
  const misplaced = async () => {
    for (const t of after.tasks.filter((x) => x.planned_start && x.technician_id).slice(0, 12)) {
      if (!(await first.locator(`.vis-item.task-${t.id}`).count())) continue; // outside the drawn window
      if ((await rowOf(first, t.id, [t.technician_id])) !== t.technician_id) return t.name;
    }
    return null;
  };
  await until("every block drawn where the plan puts it", async () => !(await misplaced()), 10000)
    .catch(async () => assert.fail(`task ${await misplaced()} is not in its technician's row`));
  await first.locator(`.vis-item.task-${task.id}`).click();
  await first.getByRole("tab", { name: "Explain" }).click();
  const why = first.locator('[data-testid="why"] li');
  await why.first().waitFor();
  const item = (await api("GET", `/v1/schedule_runs/${runId}`)).body.items.find((i) => i.task_id === task.id);
  assert.deepEqual(await why.allInnerTexts(), item.why);
  assert.match(item.why.join(" "), /locked by dispatcher/);
  await first.locator('[data-testid="diff"]').waitFor();
  const diff = (await api("GET", `/v1/schedule_runs/${runId}/diff`)).body;
  assert.match(await first.locator('[data-testid="diff"]').innerText(), new RegExp(`What moved since the previous plan \\(${diff.moved.length}\\)`));
  await first.screenshot({ path: join(ARTIFACTS, "explain.png") });

  // The other dispatcher's board followed without a reload.
  const otherRow = await until("the second dispatcher to see the move", () => rowOf(second, task.id, [tech.id]), 3000);
  assert.equal(otherRow, tech.id);
});

test("a drop on a technician without the skill shows the refusal and writes nothing", async () => {
  await first.getByRole("tab", { name: "Details" }).click();
  const board = await week();
  const now = Date.now();
  let choice = null;
  for (const task of board.tasks) {
    if (task.status !== "scheduled" || !task.required_skill || Date.parse(task.planned_start) < now + 3600000) continue;
    const tech = board.technicians.find((t) => !t.skills.includes(task.required_skill));
    if (tech) { choice = { task, tech }; break; }
  }
  assert.ok(choice, "a task and a technician without its skill");
  const { task, tech } = choice;
  await showDayOf(first, task.id);
  const before = (await api("GET", `/v1/tasks/${task.id}`)).body;
  const audits = (await api("GET", `/v1/audit?table=tasks&row_id=${task.id}&limit=100`)).body.items.length;
  const verdict = await dragTo(first, task.id, tech.id, task.planned_start, async () => {
    const card = first.locator('[data-testid="whatif"]:not([data-checking]) [data-testid="whatif-verdict"]');
    await card.waitFor();
    await first.locator('[data-testid="whatif"] .violations li').first().waitFor();
    return card.innerText();
  });
  assert.equal(verdict, "Not feasible");
  const problem = first.locator('[data-testid="problem"]');
  await problem.waitFor();
  assert.match(await problem.innerText(), new RegExp(task.required_skill));
  // The banner is the refusal's problem+json text (the same request through the API is refused alike).
  const refusal = await api("POST", "/v1/schedule/moves", { task_id: task.id, technician_id: tech.id, start: task.planned_start,
    lock: ["technician"], force: false });
  assert.ok(refusal.status >= 400 && refusal.status < 500, JSON.stringify(refusal));
  assert.equal(await problem.locator("span").innerText(), problemText(refusal.body));
  const afterTask = (await api("GET", `/v1/tasks/${task.id}`)).body;
  assert.equal(afterTask.version, before.version, "the task is unchanged");
  assert.equal(afterTask.assigned_technician_id, before.assigned_technician_id);
  assert.equal((await api("GET", `/v1/audit?table=tasks&row_id=${task.id}&limit=100`)).body.items.length, audits, "no audit entry");
  assert.equal(await rowOf(first, task.id, [before.assigned_technician_id]), before.assigned_technician_id, "the block went back");
  await problem.getByRole("button", { name: "Dismiss" }).click();
});

test("a queue task dragged onto the board is checked under the cursor; a refused placement writes nothing", async () => {
  const board = await week();
  const waiting = board.tasks.find((t) => !t.planned_start && t.needs_parts && !t.parts_ready_at);
  assert.ok(waiting, "the demo shop has an unscheduled task waiting on parts with no ETA");
  const before = (await api("GET", `/v1/tasks/${waiting.id}`)).body;
  const source = await first.locator(`[data-testid="queue-unscheduled"] [data-task-id="${waiting.id}"]`).boundingBox();
  const tech = board.technicians.find((t) => !waiting.required_skill || t.skills.includes(waiting.required_skill));
  const row = await first.locator(`.vis-label.row-${tech.id}`).boundingBox();
  const lane = await first.locator('[data-testid="timeline"] .vis-center').boundingBox();
  await first.mouse.move(source.x + 20, source.y + 10);
  await first.mouse.down();
  await first.mouse.move(source.x + 40, source.y + 20, { steps: 4 });
  await first.mouse.move(lane.x + lane.width / 2, row.y + row.height / 2, { steps: 12 });
  try {
    const card = first.locator('[data-testid="whatif"]:not([data-checking])');
    await card.waitFor();
    assert.match(await card.innerText(), /^Not feasible[\s\S]*parts/);
  } finally {
    await first.mouse.up();
  }
  const problem = first.locator('[data-testid="problem"]');
  await problem.waitFor();
  assert.match(await problem.innerText(), /parts/);
  const after = (await api("GET", `/v1/tasks/${waiting.id}`)).body;
  assert.equal(after.version, before.version, "nothing written");
  assert.equal(after.planned_start, null);
  await problem.getByRole("button", { name: "Dismiss" }).click();
});

test("the keyboard finds a block and opens its work order", async () => {
  const board = await week();
  const label = (t) => `#${t.work_order_number} ${t.name}`;
  const task = board.tasks.find((t) => t.planned_start && t.technician_id && t.status === "scheduled"
    && board.tasks.filter((o) => label(o) === label(t)).length === 1);
  const find = first.getByLabel("Find a task on the board");
  await find.focus();
  await find.fill(label(task));
  await first.locator(`.vis-item.task-${task.id}.vis-selected`).waitFor();
  await first.locator('[data-testid="details"]', { hasText: `WO #${task.work_order_number}` }).waitFor();
});

test("the keyboard alone reaches a block, explains it, and moves it with the what-if's preview", async () => {
  const board = await week();
  const now = Date.now();
  const label = (t) => `#${t.work_order_number} ${t.name}`;
  const technicians = [...board.technicians].sort((a, b) => a.name.localeCompare(b.name));
  let choice = null;
  for (const task of board.tasks.filter((t) => t.status === "scheduled" && t.technician_id && Date.parse(t.planned_start) > now + 3600000
    && board.tasks.filter((o) => label(o) === label(t)).length === 1)) {
    for (const tech of technicians) {
      if (tech.id === task.technician_id) continue;
      const w = await api("POST", "/v1/schedule/what-if", { task_id: task.id, technician_id: tech.id, start: task.planned_start });
      if (w.status === 200 && w.body.feasible) { choice = { task, tech }; break; }
    }
    if (choice) break;
  }
  assert.ok(choice, "a task with a feasible other technician at the same start");
  const { task, tech } = choice;
  const focusedTask = () => first.evaluate(() => [...document.activeElement.classList].find((c) => /^task-/.test(c))?.slice(5) ?? null);

  // The week, then Find (typed) selects the task; Tab goes on until the timeline hands the focus to it.
  await first.getByRole("radio", { name: "Week" }).check();
  await first.getByRole("button", { name: "Today" }).click();
  await first.getByLabel("Find a task on the board").focus();
  await first.keyboard.type(label(task));
  await first.locator(`.vis-item.task-${task.id}.vis-selected`).waitFor();
  for (let i = 0; i < 80 && (await focusedTask()) !== task.id; i++) await first.keyboard.press("Tab");
  assert.equal(await focusedTask(), task.id, "Tab reaches the selected block");
  assert.match(await first.evaluate(() => document.activeElement.getAttribute("aria-label")), new RegExp(task.name));

  // Arrows go along the row and back.
  const shown = { from: shopLocal(new Date().toISOString(), "00:00"), to: shopLocal(new Date(now + 7 * 86400000).toISOString(), "00:00") };
  const row = board.tasks.filter((t) => t.technician_id === task.technician_id && t.planned_start && t.planned_end
    && Date.parse(t.planned_end) > shown.from && Date.parse(t.planned_start) < shown.to)
    .sort((a, b) => Date.parse(a.planned_start) - Date.parse(b.planned_start) || Date.parse(a.planned_end) - Date.parse(b.planned_end));
  const at = row.findIndex((t) => t.id === task.id);
  const [away, back] = at + 1 < row.length ? ["ArrowRight", "ArrowLeft"] : ["ArrowLeft", "ArrowRight"];
  const neighbour = row[away === "ArrowRight" ? at + 1 : at - 1];
  if (neighbour) {
    await first.keyboard.press(away);
    assert.equal(await focusedTask(), neighbour.id, `${away} goes to the next block of the row`);
    await first.keyboard.press(back);
  }
  assert.equal(await focusedTask(), task.id);

  // Enter explains the focused block.
  await first.keyboard.press("Enter");
  await first.locator('[data-testid="explain"] h2', { hasText: `Why “${task.name}” is here` }).waitFor();
  await first.locator('[data-testid="why"] li').first().waitFor();
  assert.equal(await focusedTask(), task.id, "the focus stays on the block");
  const lowContrast = await first.evaluate(textBelowContrast);
  assert.deepEqual(lowContrast, [], "every text on the board, its blocks and the explain panel is at least 4.5:1 (3:1 if large)");

  // M, then arrows pick a slot: the what-if answers for each; Escape leaves the task where it is.
  const before = (await api("GET", `/v1/tasks/${task.id}`)).body;
  await first.keyboard.press("m");
  await first.keyboard.press("ArrowRight");
  const later = first.locator(`[data-testid="whatif"][data-start="${new Date(Date.parse(task.planned_start) + 900000).toISOString()}"]:not([data-checking])`);
  await later.waitFor();
  assert.equal(await first.locator(".vis-item.keyboard-slot").count(), 1);
  await first.keyboard.press("Escape");
  await first.locator('[data-testid="whatif"]').waitFor({ state: "detached" });
  assert.equal(await first.locator(".vis-item.keyboard-slot").count(), 0);
  assert.equal((await api("GET", `/v1/tasks/${task.id}`)).body.version, before.version, "Escape writes nothing");

  // M, down or up to the other technician's row at the same start: feasible; Enter writes the move.
  const steps = technicians.findIndex((t) => t.id === tech.id) - technicians.findIndex((t) => t.id === task.technician_id);
  await first.keyboard.press("m");
  for (let i = 0; i < Math.abs(steps); i++) await first.keyboard.press(steps > 0 ? "ArrowDown" : "ArrowUp");
  const card = first.locator(`[data-testid="whatif"][data-row="${tech.id}"]:not([data-checking])`);
  await card.waitFor();
  assert.equal(Date.parse(await card.getAttribute("data-start")), Date.parse(task.planned_start));
  assert.match(await card.innerText(), /^Feasible/);
  await first.keyboard.press("Enter");
  const moved = await until("the keyboard's move to be written", async () => {
    const t = (await api("GET", `/v1/tasks/${task.id}`)).body;
    return t.assigned_technician_id === tech.id ? t : null;
  }, 10000);
  assert.equal(Date.parse(moved.planned_start), Date.parse(task.planned_start));
  // As patient as the other waits on a reload (one CI run on the loaded machine missed 10 s).
  await until("the block to be drawn in its new row, with the focus", async () =>
    (await rowOf(first, task.id, [tech.id])) === tech.id && (await focusedTask()) === task.id);
  await first.locator('[data-testid="progress"]', { hasText: "Last run" }).waitFor({ timeout: 60000 });
});

test("a needs_review work order's plan is edited and approved from the queue, then scheduled", async () => {
  const created = await api("POST", "/v1/work_orders", {
    description: "Customer asks us to recalibrate the zorblax quuxinator on the rear flange", asset_kind: "vehicle",
    customer_name: "Board Test", priority: 3,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;
  const entry = first.locator(`[data-testid="queue-review"] [data-work-order-id="${id}"]`);
  await entry.waitFor({ timeout: 30000 });
  await entry.getByRole("button", { name: "Edit plan" }).click();
  await entry.getByLabel("Task name").first().fill("Inspect the rear flange");
  await entry.getByLabel("Duration in minutes").first().fill("45");
  await entry.getByLabel("Required skill").first().fill("general");
  await entry.getByRole("button", { name: "Add task" }).click();
  await entry.getByLabel("Task name").nth(1).fill("Road test");
  await entry.getByLabel("Duration in minutes").nth(1).fill("30");
  await entry.getByLabel("Depends on keys").nth(1).fill("t1");
  await entry.getByRole("button", { name: "Approve plan" }).click();
  await entry.waitFor({ state: "detached", timeout: 15000 });
  const wo = await until("the approved work order to be scheduled", async () => {
    const w = (await api("GET", `/v1/work_orders/${id}`)).body;
    return w.status === "scheduled" ? w : null;
  }, 60000);
  assert.deepEqual(wo.tasks.map((t) => t.name).sort(), ["Inspect the rear flange", "Road test"]);
  const road = wo.tasks.find((t) => t.name === "Road test");
  assert.equal(road.depends_on.length, 1);
  await until("the board to receive the new plan", async () => {
    const b = await week();
    return b.tasks.some((t) => t.id === road.id && t.planned_start);
  }, 10000);
  const scheduled = (await api("GET", `/v1/tasks/${road.id}`)).body;

  // Opened just after the shop's midnight of the task's day, Today shows that day with the task drawn,
  // also after the view went to another day's block (the board then showed only the old view).
  const page = await openBoardAt(shopLocal(scheduled.planned_start, "00:10"));
  try {
    await page.getByLabel("Day", { exact: true }).check();
    await page.getByRole("button", { name: "Today" }).click();
    await page.locator(`.vis-item.task-${road.id}`).waitFor({ timeout: 10000 });
    const b = await week();
    const label = (t) => `#${t.work_order_number} ${t.name}`;
    const other = b.tasks.find((t) => t.planned_start && t.technician_id && shopDay(t.planned_start) > shopDay(scheduled.planned_start)
      && Date.parse(t.planned_start) < Date.parse(scheduled.planned_start) + 6 * 86400000
      && b.tasks.filter((o) => label(o) === label(t)).length === 1);
    assert.ok(other, "a task on a later day of the week");
    await page.getByLabel("Find a task on the board").fill(label(other));
    await page.locator(`.vis-item.task-${other.id}.vis-selected`).waitFor();
    await page.getByRole("button", { name: "Today" }).click();
    await page.locator(`.vis-item.task-${road.id}`).waitFor({ timeout: 10000 });
    assert.match(await page.locator('[data-testid="range"]').innerText(), new RegExp(shopDay(scheduled.planned_start).slice(5).replace("-", "/")));
  } finally {
    await page.context().close();
  }
  await showDayOf(first, road.id);
});

test("a technician who signs in on the board, or opens it signed in, is sent to the technician app", async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${BASE}/board/sign-in/`);
    await page.locator(`button[data-email="${TECHNICIAN}"]`).click();
    await page.waitForURL(`${BASE}/tech/`);
    const answer = await fetch(`${BASE}/v1/dev/token`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: TECHNICIAN }),
    });
    const techToken = (await answer.json()).access_token;
    const board = await context.newPage();
    await board.addInitScript((t) => sessionStorage.setItem("bayflow.token", t), techToken);
    await board.goto(`${BASE}/board/`);
    await board.waitForURL(`${BASE}/tech/`);
  } finally {
    await context.close();
  }
});

test("the ops page retries a failed job", async () => {
  const jobId = process.env.FAILED_JOB_ID;
  assert.ok(jobId, "FAILED_JOB_ID is set by the pytest side");
  await first.getByRole("link", { name: "Ops" }).click();
  await first.waitForURL(`${BASE}/board/ops/`);
  const row = first.locator(`[data-testid="failed-jobs"] tr[data-job-id="${jobId}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /probe failed for the board test/);
  await first.locator('[data-testid="queues"] tbody tr').first().waitFor();
  await first.locator('[data-testid="schedule-runs"] tbody tr').first().waitFor();
  await first.screenshot({ path: join(ARTIFACTS, "ops.png"), fullPage: true });
  assert.deepEqual(await first.evaluate(textBelowContrast), [], "every text on the ops page is at least 4.5:1");
  await row.getByRole("button", { name: "Retry" }).click();
  await first.locator('[data-testid="notice"]', { hasText: `Job ${jobId}` }).waitFor();
  const job = (await api("GET", "/v1/ops/jobs?queue=board_e2e")).body.items.find((j) => String(j.id) === jobId);
  assert.equal(job.status, "queued");
  assert.equal(job.attempts, 0);
  await first.locator(`[data-testid="waiting-jobs"] tr[data-job-id="${jobId}"]`).waitFor();
  assert.equal(await first.locator(`[data-testid="failed-jobs"] tr[data-job-id="${jobId}"]`).count(), 0);
});
