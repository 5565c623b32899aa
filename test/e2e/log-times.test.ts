/**
 * The log viewer's Timestamps toggle (issue 25, item 6), end to end: real Chromium, a real runner
 * on a git copy of test/fixtures/dashboard. Times are the store's (UTC, HH:MM:SS.mmm, as GitHub
 * shows them); turning them on shifts no row; the toggle is remembered by the browser.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Page } from "playwright-core";
import type { WorkflowRun } from "../../src/contract/index.js";
import { dashboardSession } from "../helpers/browser.js";

const session = dashboardSession();

const start = async (workflow: string) => {
  const res = await session.runner.json<WorkflowRun>("POST", "/api/runs", { workflow });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
};

/** Every rendered log row: its text, its time element's text and ISO time, and where its text starts. */
const rowsOf = (page: Page) =>
  page.locator(".log-box .line").evaluateAll((lines) =>
    lines.map((l) => {
      const ts = l.querySelector("time.ts");
      const body = l.querySelector(".text, .fold")!;
      // Where the time's glyphs end (a range measures the text, not its box) and where the line's text starts.
      const range = document.createRange();
      if (ts) range.selectNodeContents(ts);
      const left = body.getBoundingClientRect().left + parseFloat(getComputedStyle(body).paddingLeft);
      return {
        text: body.textContent ?? "",
        ts: ts?.textContent ?? null,
        iso: ts?.getAttribute("datetime") ?? null,
        tsEnd: ts ? range.getBoundingClientRect().right : null,
        left,
        height: l.parentElement!.getBoundingClientRect().height,
      };
    }),
  );

test("Timestamps shows each log row's time (UTC HH:MM:SS.mmm, from the store) without moving a row, and is remembered after a reload", async () => {
  const started = Date.now();
  const ticker = await session.runner.waitCompleted((await start("ticker")).id);
  const ended = Date.now();
  const page = await session.browser.newPage({ viewport: { width: 1280, height: 700 } });
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${session.runner.url}/runs/${ticker.id}/jobs/tick`);
  // A step that succeeded is folded: open it as a user does.
  await page.locator(".step-row .step-toggle", { hasText: "Tick" }).click();
  await page.getByText("tick 5", { exact: true }).waitFor();
  const toggle = page.getByRole("checkbox", { name: "Timestamps" });
  assert.equal(await toggle.isChecked(), false, "off at first");
  assert.equal(await page.locator(".line time.ts").count(), 0);
  const box = page.locator(".log-box");
  const heightOff = await box.evaluate((el) => el.scrollHeight);

  await toggle.check();
  await page.locator(".line time.ts", { hasText: /\d/ }).first().waitFor();
  const rows = await rowsOf(page);
  const ticks = rows.filter((x) => /^tick \d+$/.test(x.text));
  assert.ok(ticks.length >= 20, `rows of the step are shown (${ticks.length})`);
  for (const row of ticks) {
    assert.match(row.ts ?? "", /^\d\d:\d\d:\d\d\.\d{3}$/, `${row.text}: ${row.ts}`);
    const t = Date.parse(row.iso ?? "");
    assert.ok(t >= started && t <= ended, `${row.text} at ${row.iso}, within the run`);
    assert.equal(row.ts, row.iso!.slice(11, 23), "UTC, as the ISO time says");
  }
  // No layout shift: rows keep their height, the log its height, and every row's text starts at one x.
  assert.equal(await box.evaluate((el) => el.scrollHeight), heightOff);
  assert.ok(
    rows.every((x) => x.height === 20),
    JSON.stringify(rows.map((x) => x.height)),
  );
  assert.equal(new Set(ticks.map((x) => x.left)).size, 1, "the time column has one width");
  assert.ok(
    ticks.every((x) => x.tsEnd! < x.left - 4),
    `a gap between the time and the text: ${JSON.stringify(ticks[0])}`,
  );

  await page.reload();
  await page.locator(".step-row .step-toggle", { hasText: "Tick" }).click();
  await page.getByText("tick 5", { exact: true }).waitFor();
  assert.equal(await page.getByRole("checkbox", { name: "Timestamps" }).isChecked(), true, "remembered");
  await page.locator(".line time.ts", { hasText: /\d/ }).first().waitFor();

  // Off again: the column goes.
  await page.getByRole("checkbox", { name: "Timestamps" }).uncheck();
  assert.equal(await page.locator(".line time.ts").count(), 0);
  await page.close();
});

test("lines streamed into a running job's log have a time too", async () => {
  const page = await session.browser.newPage({ viewport: { width: 1280, height: 700 } });
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${session.runner.url}/`);
  await page.evaluate(() => localStorage.setItem("stax.log.timestamps", "1"));
  const opened = Date.now();
  const ticker = await start("ticker");
  await page.goto(`${session.runner.url}/runs/${ticker.id}/jobs/tick`);
  await page.getByText("tick 5", { exact: true }).waitFor();
  await page.getByTestId("run-status").filter({ hasText: "success" }).waitFor({ timeout: 60_000 });
  const ticks = (await rowsOf(page)).filter((x) => /^tick \d+$/.test(x.text));
  assert.ok(ticks.length >= 5);
  for (const row of ticks) {
    assert.match(row.ts ?? "", /^\d\d:\d\d:\d\d\.\d{3}$/, `${row.text}: ${row.ts}`);
    assert.ok(
      Date.parse(row.iso ?? "") >= opened && Date.parse(row.iso ?? "") <= Date.now(),
      `${row.text} at ${row.iso}`,
    );
  }
  await page.close();
});
