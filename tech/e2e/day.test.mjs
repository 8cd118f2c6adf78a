// A technician's day at phone size: sign in, today's tasks in order, start a task, add a photo with
// upload progress, finish it. The pytest side (tests/web/test_tech.py) sets the day up and checks
// what was stored (actual start and end, the photo without its GPS EXIF, who may see it).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { BASE_URL, launch, listedNames, onPhone, shot, signIn } from './support.mjs';

const { TECH_EMAIL, DISPATCHER_EMAIL, WORK_TASK, PHOTO, NOTE, BLOCK_REASON } = process.env;
const EXPECTED = JSON.parse(process.env.EXPECTED ?? '[]');
let browser;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('a dispatcher who signs in here is sent to the board', () => onPhone(browser, 'dispatcher', async ({ page }) => {
  await page.goto(`${BASE_URL}/tech/`);
  await page.getByTestId(`user-${DISPATCHER_EMAIL}`).click();
  await page.waitForURL(`${BASE_URL}/board/`);
}));

test('the app is usable from the keyboard', () => onPhone(browser, 'keyboard', async ({ page }) => {
  await page.goto(`${BASE_URL}/tech/`);
  await page.getByTestId(`user-${TECH_EMAIL}`).waitFor();
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');
  for (let i = 0; i < 20 && (await focused()) !== `user-${TECH_EMAIL}`; i++) await page.keyboard.press('Tab');
  assert.equal(await focused(), `user-${TECH_EMAIL}`, 'the sign-in button is reachable with Tab');
  await page.keyboard.press('Enter');
  await page.getByTestId('task-name').first().waitFor();
  for (let i = 0; i < 20 && !(await focused()).startsWith('task-'); i++) await page.keyboard.press('Tab');
  assert.match(await focused(), /^task-/, 'a task is reachable with Tab');
  await page.keyboard.press('Enter');
  await page.getByTestId('detail-status').waitFor();
}));

test('a technician sees today\'s tasks in order, starts one, adds a photo and notes, blocks and resumes it, marks it done', () => onPhone(browser, 'day', async ({ context, page }) => {
  await signIn(page, TECH_EMAIL);
  await page.getByTestId('task-name').first().waitFor();
  const names = await listedNames(page);
  // The day's tasks as the pytest side planned them, in that order (the scheduler may add others).
  const positions = EXPECTED.map((name) => names.indexOf(name));
  assert.ok(positions.every((p) => p >= 0), `expected ${JSON.stringify(EXPECTED)} on ${JSON.stringify(names)}`);
  assert.deepEqual([...positions].sort((a, b) => a - b), positions, `out of order: ${JSON.stringify(names)}`);
  assert.match(await page.getByTestId('day-title').innerText(), /^Today · /);
  await shot(page, 'today');

  // Tomorrow is one tap away, and back.
  await page.getByTestId('show-tomorrow').click();
  await page.getByTestId('day-title').getByText(/^Tomorrow · /).waitFor();
  await page.waitForFunction((names) => !names.some((n) => [...document.querySelectorAll('[data-testid="task-name"]')]
    .some((e) => e.textContent === n)), EXPECTED);
  await page.getByTestId('show-today').click();
  await page.getByTestId(`task-${WORK_TASK}`).waitFor();

  await page.getByTestId(`task-${WORK_TASK}`).click();
  await page.getByTestId('status-in_progress').click();
  await page.getByTestId('detail-status').getByText('In progress').waitFor();
  await page.getByTestId('actual-start').getByText(/^Started \d\d:\d\d/).waitFor();

  // Upload slowly enough to see the progress bar move.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 64 * 1024 });
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('choose-photo').click()]);
  await chooser.setFiles(PHOTO);
  await page.getByTestId('upload-progress').getByText(/Uploading… \d+%/).waitFor();
  await shot(page, 'uploading');
  await page.getByTestId('thumbnail').first().waitFor({ timeout: 30_000 });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await page.waitForFunction(() => {
    const img = document.querySelector('[data-testid="thumbnail"] img');
    return img && img.complete && img.naturalWidth > 0;
  }, null, { timeout: 15_000 });

  await page.getByTestId('notes').fill(NOTE);
  await page.getByTestId('save-notes').click();
  await page.getByTestId('detail-message').getByText('Notes saved.').waitFor();

  // Blocked needs a reason; resuming starts the clock again.
  await page.getByTestId('status-blocked').click();
  assert.equal(await page.getByTestId('confirm-block').getAttribute('aria-disabled'), 'true', 'no block without a reason');
  await page.getByTestId('block-reason').fill(BLOCK_REASON);
  await page.getByTestId('confirm-block').click();
  await page.getByTestId('detail-status').getByText('Blocked').waitFor();
  await page.getByText(`Blocked: ${BLOCK_REASON}`).waitFor();
  await page.getByTestId('status-in_progress').click();
  await page.getByTestId('detail-status').getByText('In progress').waitFor();

  await page.getByTestId('status-done').click();
  await page.getByTestId('detail-status').getByText('Done').waitFor();
  await page.getByTestId('actual-start').getByText(/finished \d\d:\d\d/).waitFor();
  assert.equal(await page.getByTestId('status-in_progress').count(), 0, 'no way back from done');
  await shot(page, 'done');
  assert.deepEqual(page.errors, []);
}));
