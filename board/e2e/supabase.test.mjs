// Sign-in through supabase-js (email and password) with SUPABASE_URL set: BASE_URL's bayflow verifies
// the tokens of a fake Supabase Auth on 127.0.0.1 (tests/web/test_board.py), PASSWORD is the right one.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";

const BASE = process.env.BASE_URL;
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync"];
let browser, page;

before(async () => {
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true, args: FLAGS });
  page = await (await browser.newContext()).newPage();
});

after(async () => {
  await browser?.close();
});

async function signIn(email, password) {
  await page.goto(`${BASE}/board/sign-in/`);
  await page.getByRole("textbox", { name: "Email" }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("a wrong password shows Supabase's reason and signs nobody in", async () => {
  await signIn("dispatch1@demo.bayflow.dev", "wrong password");
  await page.locator('[data-testid="problem"]', { hasText: "Invalid login credentials" }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem("bayflow.token")), null);
});

test("a dispatcher signs in with email and password and sees the board", async () => {
  await signIn("dispatch1@demo.bayflow.dev", process.env.PASSWORD);
  await page.waitForURL(`${BASE}/board/`);
  await page.locator('[data-testid="timeline"]').waitFor();
  await page.getByText("Priya Shah").waitFor();
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${BASE}/board/sign-in/`);
});

test("a technician who signs in here is sent to the technician app", async () => {
  await signIn("ana@demo.bayflow.dev", process.env.PASSWORD);
  await page.waitForURL(`${BASE}/tech/`);
});
