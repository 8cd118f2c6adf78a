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
  const box = await page.locator(`.vis-item.task-${taskId}`).boundingBox();
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
  const movable = board.tasks.filter((t) => t.status === "scheduled" && t.technician_id && Date.parse(t.planned_start) > now + 3600000
    && !t.lock_start && !t.lock_technician);
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
  await first.locator('[data-testid="progress"]', { hasText: "Last run succeeded" }).waitFor({ timeout: 60000 });
  const after = await week();
  const runId = after.latest_run.id;
  const shownRow = await until("the board to show the re-optimized plan", () => rowOf(first, task.id, [tech.id]), 5000);
  assert.equal(shownRow, tech.id);
  // Every block on the board is where the re-optimized plan puts it.
  for (const t of after.tasks.filter((x) => x.planned_start && x.technician_id).slice(0, 12)) {
    if (!(await first.locator(`.vis-item.task-${t.id}`).count())) continue; // outside the drawn window
    assert.equal(await rowOf(first, t.id, [t.technician_id]), t.technician_id, `task ${t.name}`);
  }
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
  await row.getByRole("button", { name: "Retry" }).click();
  await first.locator('[data-testid="notice"]', { hasText: `Job ${jobId}` }).waitFor();
  const job = (await api("GET", "/v1/ops/jobs?queue=board_e2e")).body.items.find((j) => String(j.id) === jobId);
  assert.equal(job.status, "queued");
  assert.equal(job.attempts, 0);
  await first.locator(`[data-testid="waiting-jobs"] tr[data-job-id="${jobId}"]`).waitFor();
  assert.equal(await first.locator(`[data-testid="failed-jobs"] tr[data-job-id="${jobId}"]`).count(), 0);
});
