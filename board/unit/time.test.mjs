// The board's date math (lib/time.ts) on the shop's wall clock, whatever the browser's zone (the
// runner sets TZ to one far from the shop's): day and week spans, midnights, daylight-saving days.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import ts from "typescript";

const source = readFileSync(new URL("../lib/time.ts", import.meta.url), "utf8");
const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
const compiled = join(mkdtempSync(join(tmpdir(), "board-time-")), "time.mjs");
writeFileSync(compiled, outputText);
const { fromShopLocal, shopMidnight, toShopLocal, viewWindow, zoneOffsetMinutes } = await import(pathToFileURL(compiled).href);

const SHOP = "America/Chicago";
const at = (iso) => Date.parse(iso);
const iso = (ms) => new Date(ms).toISOString();

test("the day shown just after the shop's midnight is the shop's new day, not the UTC one", () => {
  // 00:10 in Chicago on Monday 12/07 is 06:10 UTC; 23:49 on Sunday is 05:49 UTC Monday.
  assert.deepEqual(viewWindow(SHOP, at("2026-12-07T06:10:00Z"), 1), { start: at("2026-12-07T06:00:00Z"), end: at("2026-12-08T06:00:00Z") });
  assert.deepEqual(viewWindow(SHOP, at("2026-12-07T05:49:00Z"), 1), { start: at("2026-12-06T06:00:00Z"), end: at("2026-12-07T06:00:00Z") });
  // A task at 09:30 the same shop day is inside the day and the week shown at 00:10.
  const nineThirty = at("2026-12-07T15:30:00Z");
  for (const days of [1, 7]) {
    const { start, end } = viewWindow(SHOP, at("2026-12-07T06:10:00Z"), days);
    assert.ok(start <= nineThirty && nineThirty < end, `${days} day(s): ${iso(start)}..${iso(end)}`);
  }
});

test("a week is seven shop days, 167 or 169 hours over a daylight-saving change", () => {
  const spring = viewWindow(SHOP, at("2026-03-05T18:00:00Z"), 7); // Thu 03/05; clocks go forward Sun 03/08
  assert.equal(iso(spring.start), "2026-03-05T06:00:00.000Z");
  assert.equal(iso(spring.end), "2026-03-12T05:00:00.000Z");
  const autumn = viewWindow(SHOP, at("2026-10-29T17:00:00Z"), 7); // Thu 10/29; clocks go back Sun 11/01
  assert.equal(iso(autumn.start), "2026-10-29T05:00:00.000Z");
  assert.equal(iso(autumn.end), "2026-11-05T06:00:00.000Z");
});

test("stepping a day from just after midnight crosses a daylight-saving day to the next shop day", () => {
  // 00:30 on Sunday 11/01 (CDT, 05:30 UTC): 24 hours later is still Sunday 23:30 CST.
  const sunday = at("2026-11-01T05:30:00Z");
  assert.equal(iso(shopMidnight(SHOP, sunday, 1)), "2026-11-02T06:00:00.000Z");
  assert.equal(iso(shopMidnight(SHOP, sunday, -1)), "2026-10-31T05:00:00.000Z");
  assert.deepEqual(viewWindow(SHOP, at("2026-11-01T05:30:00Z"), 1), { start: at("2026-11-01T05:00:00Z"), end: at("2026-11-02T06:00:00Z") });
  // Spring forward: Sunday 03/08 is 23 hours long.
  assert.deepEqual(viewWindow(SHOP, at("2026-03-08T06:30:00Z"), 1), { start: at("2026-03-08T06:00:00Z"), end: at("2026-03-09T05:00:00Z") });
});

test("offsets and datetime-local values are the shop's", () => {
  assert.equal(zoneOffsetMinutes(SHOP, at("2026-12-07T06:10:00Z")), -360);
  assert.equal(zoneOffsetMinutes(SHOP, at("2026-07-07T06:10:00Z")), -300);
  assert.equal(toShopLocal(SHOP, at("2026-12-07T06:10:00Z")), "2026-12-07T00:10");
  assert.equal(iso(fromShopLocal(SHOP, "2026-12-07T00:10")), "2026-12-07T06:10:00.000Z");
  assert.equal(iso(fromShopLocal(SHOP, "2026-11-01T12:00")), "2026-11-01T18:00:00.000Z");
  assert.equal(iso(shopMidnight("Asia/Kolkata", at("2026-12-07T20:00:00Z"))), "2026-12-07T18:30:00.000Z");
});
