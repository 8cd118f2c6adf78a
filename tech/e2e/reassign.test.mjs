// A dispatcher gives a technician another task: it shows on their list, marked, with a banner
// saying what changed, until they say they have seen it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { api, eventually, launch, onPhone, reassign, shot, signIn } from './support.mjs';

const { TECH_EMAIL, DISPATCHER_EMAIL, MOVED_TASK, MOVED_NAME, TECHNICIAN } = process.env;
let browser;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('a reassignment made by a dispatcher appears on the list, marked', () => onPhone(browser, 'reassign', async ({ page }) => {
  await signIn(page, TECH_EMAIL);
  await page.getByTestId('task-name').first().waitFor();
  assert.equal(await page.getByTestId(`task-${MOVED_TASK}`).count(), 0);

  await reassign(DISPATCHER_EMAIL, MOVED_TASK, TECHNICIAN);
  // The event stream reloads the list; the Refresh button is the technician's own way.
  const card = page.getByTestId(`task-${MOVED_TASK}`);
  await eventually(async () => {
    if (await card.count()) return true;
    await page.getByTestId('refresh').click();
    return false;
  }, 'the reassigned task on the list', 20_000);
  await card.getByTestId('changed-mark').getByText('Reassigned to you').waitFor();
  await page.getByTestId('changes-banner').getByText(new RegExp(`'${MOVED_NAME}' was reassigned to you`)).waitFor();
  await shot(page, 'reassigned');

  await page.getByTestId('changes-seen').click();
  // Seen: no longer marked (a schedule run since may have moved something else meanwhile).
  await eventually(async () => (await card.getByTestId('changed-mark').count()) === 0, 'the mark gone once seen');
  const [banner = ''] = await page.getByTestId('changes-banner').allInnerTexts();
  assert.ok(!banner.includes(MOVED_NAME), banner);

  // The dispatcher closes the task while the technician has it open: their start is refused,
  // and they are told which field and which rule.
  await card.click();
  await page.getByTestId('status-in_progress').waitFor();
  const [, task] = await api(DISPATCHER_EMAIL, 'GET', `/v1/tasks/${MOVED_TASK}`);
  const [closed] = await api(DISPATCHER_EMAIL, 'PATCH', `/v1/tasks/${MOVED_TASK}`, {
    body: { status: 'done' }, headers: { 'If-Match': `"${task.version}"` },
  });
  assert.equal(closed, 200);
  await page.getByTestId('status-in_progress').click();
  await page.getByTestId('detail-message')
    .getByText(`Start "${MOVED_NAME}" was refused: status: a technician cannot move a done task back to in_progress`).waitFor();
  await page.getByTestId('detail-status').getByText('Done').waitFor(); // the list reloaded
  await shot(page, 'refused');
}));
