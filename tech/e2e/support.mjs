// What the technician app's browser tests share: Debian's Chromium at phone size, signing in as a
// demo user, and the API as the dispatcher sees it (for what the browser cannot see).
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';

export const BASE_URL = process.env.BASE_URL;
export const ARTIFACTS = process.env.ARTIFACTS ?? tmpdir();
export const PHONE = { width: 390, height: 844 };

export async function launch() {
  assert.ok(BASE_URL, 'BASE_URL names the bayflow under test');
  assert.ok(process.env.CHROMIUM, 'CHROMIUM names the browser to drive');
  return chromium.launch({
    executablePath: process.env.CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'], // launch() gives each browser a fresh, empty user data dir
  });
}

/** A fresh phone-sized page whose console errors and failed page loads are collected. */
export async function phone(browser) {
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(String(error)));
  return { context, page };
}

/** Run `body({ context, page })` on a fresh phone; on failure leave a screenshot `<name>-failed`. */
export async function onPhone(browser, name, body) {
  const { context, page } = await phone(browser);
  const pages = { context, page };
  try {
    await body(pages);
  } catch (error) {
    if (!pages.page.isClosed()) await shot(pages.page, `${name}-failed`).catch(() => undefined);
    throw error;
  } finally {
    await context.close();
  }
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `tech-${name}.png`) });
}

/** Open the app and sign in as the demo user `email`; resolves on the day's list. */
export async function signIn(page, email) {
  await page.goto(`${BASE_URL}/tech/`);
  await page.getByTestId(`user-${email}`).click();
  await page.getByTestId('day-title').waitFor();
}

/** The task names on the list, top to bottom. */
export async function listedNames(page) {
  return page.getByTestId('task-name').allInnerTexts();
}

export async function token(email) {
  const response = await fetch(`${BASE_URL}/v1/dev/token`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email }),
  });
  assert.equal(response.status, 200, `token for ${email}`);
  return (await response.json()).access_token;
}

/** `method path` on the API as `email`: [status, body]. */
export async function api(email, method, pathname, { body, headers } = {}) {
  const response = await fetch(`${BASE_URL}${pathname}`, {
    method,
    headers: { Authorization: `Bearer ${await token(email)}`, ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return [response.status, text ? JSON.parse(text) : null];
}

/** A dispatcher gives the task to `technicianId`, as the board would. */
export async function reassign(dispatcher, taskId, technicianId) {
  const [status, task] = await api(dispatcher, 'GET', `/v1/tasks/${taskId}`);
  assert.equal(status, 200);
  const [changed, body] = await api(dispatcher, 'PATCH', `/v1/tasks/${taskId}`, {
    // force: the dispatcher overrides the what-if (the other technician may be busy then)
    body: { assigned_technician_id: technicianId, force: true }, headers: { 'If-Match': `"${task.version}"` },
  });
  assert.equal(changed, 200, JSON.stringify(body));
  return body;
}

/** Wait until `check()` is truthy (polling), else fail with `what`. */
export async function eventually(check, what, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
