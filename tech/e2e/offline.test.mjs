// Offline in the shop: a status change and a photo made without a connection are kept on the
// device, then sent once when it is back, even when an answer is lost on the way; a change that no
// longer applies (the task reassigned meanwhile) is shown to the technician, not dropped.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { BASE_URL, eventually, launch, onPhone, reassign, shot, signIn } from './support.mjs';

const { TECH_EMAIL, DISPATCHER_EMAIL, OFFLINE_TASK, GONE_TASK, GONE_NAME, OTHER_TECHNICIAN, PHOTO } = process.env;
let browser;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** The number the queue's banner gives (0 without a banner); never waits for the banner to appear. */
async function queuedCount(page) {
  const [text = ''] = await page.getByTestId('outbox-queued').allInnerTexts();
  return Number(text.match(/(\d+) changes? waiting/)?.[1] ?? 0);
}

test('changes made offline are queued, sent once when back online, and a stale one is shown', () => onPhone(browser, 'offline', async (pages) => {
  const { context } = pages;
  let { page } = pages;
  await signIn(page, TECH_EMAIL);
  await page.getByTestId(`task-${OFFLINE_TASK}`).waitFor();

  await context.setOffline(true);
  await page.getByTestId(`task-${OFFLINE_TASK}`).click();
  await page.getByTestId('status-in_progress').click();
  await page.getByTestId('detail-message').getByText(/No connection/).waitFor();
  await page.getByTestId('detail-status').getByText('In progress').waitFor(); // as it will be
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('choose-photo').click()]);
  await chooser.setFiles(PHOTO);
  await eventually(async () => (await queuedCount(page)) === 2, 'the start and the photo queued');

  await page.getByTestId('back').click();
  await page.getByTestId(`task-${GONE_TASK}`).click();
  await page.getByTestId('status-in_progress').click();
  await eventually(async () => (await queuedCount(page)) === 3, 'the second start queued');
  await page.getByTestId('back').click();
  await shot(page, 'offline-queued');

  // Meanwhile a dispatcher gives the second task to someone else.
  await reassign(DISPATCHER_EMAIL, GONE_TASK, OTHER_TECHNICIAN);

  // The queue is kept on the device: the app is closed and opened again once the connection is back.
  await page.close();
  // The first status change reaches the API but its answer is lost: the app must send it again
  // with the same idempotency key, and the API must apply it once.
  let lost = 0;
  await context.route('**/v1/tasks/*/status', async (route) => {
    if (lost++ === 0) {
      await route.fetch();
      await route.abort('connectionreset');
    } else {
      await route.continue();
    }
  });
  await context.setOffline(false);
  page = pages.page = await context.newPage();
  await page.goto(`${BASE_URL}/tech/`);
  await page.getByTestId('day-title').waitFor();

  await eventually(async () => (await queuedCount(page)) === 0, 'the queue sent', 40_000);
  assert.ok(lost >= 2, 'the lost status change was sent again');
  const refused = page.getByTestId('outbox-refused');
  await refused.getByText(`"${GONE_NAME}" was not applied: the task is no longer assigned to you.`).waitFor();
  await page.getByTestId(`task-${OFFLINE_TASK}`).getByTestId('task-status').getByText('In progress').waitFor();
  await shot(page, 'offline-sent');

  await page.getByTestId(`task-${OFFLINE_TASK}`).click();
  await page.getByTestId('thumbnail').first().waitFor();
  assert.equal(await page.getByTestId('thumbnail').count(), 1);
  assert.equal(await page.getByTestId('outbox-refused').count(), 1, 'only the stale change was refused');
}));
