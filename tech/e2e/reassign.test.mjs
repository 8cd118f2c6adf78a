// A dispatcher gives a technician another task: it shows on their list, marked, with a banner
// saying what changed, until they say they have seen it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { eventually, launch, phone, reassign, shot, signIn } from './support.mjs';

const { TECH_EMAIL, DISPATCHER_EMAIL, MOVED_TASK, MOVED_NAME, TECHNICIAN } = process.env;
let browser;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('a reassignment made by a dispatcher appears on the list, marked', async () => {
  const { context, page } = await phone(browser);
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
  const banner = page.getByTestId('changes-banner');
  assert.ok(!(await banner.count()) || !(await banner.innerText()).includes(MOVED_NAME));
  await context.close();
});
