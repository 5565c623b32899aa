/**
 * Logs of any size in the dashboard (issue 14), in real Chromium against a real runner: a
 * finished 200,000-line step opens at its first rows with its stored status, a live step streams
 * while earlier rows are fetched by range, search finds a line far past the first page, and a
 * line link opens its line after a reload. Timings belong to `npm run bench`, not here.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { WorkflowRun } from "../../src/contract/index.js";
import { launchBrowser, WEB_DIST } from "../helpers/browser.js";
import { fixtureWorkspace } from "../helpers/engine.js";
import { startTestRunner, type TestRunner } from "../helpers/runner.js";
import { tempDir, until } from "../helpers/temp.js";

let r: TestRunner;
let browser: Browser;
let big: WorkflowRun;
const LINES = 200_000;

before(async () => {
  r = await startTestRunner({ workspace: fixtureWorkspace("logs"), webRoot: WEB_DIST });
  browser = await launchBrowser();
  big = await r.runToEnd("logs", { inputs: { lines: LINES } });
  assert.equal(big.conclusion, "success");
});
after(async () => {
  await browser?.close();
  await r?.close();
});

/** A page that records whether it ever showed the run as live (status "in progress" or a Cancel button). */
async function watchedPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  // A string, not a function: the test's transpiler would wrap a function's inner functions in helpers the page lacks.
  await page.addInitScript(`
    window.sawLive = [];
    const check = () => {
      const status = document.querySelector('[data-testid="run-status"]')?.textContent ?? "";
      if (/in progress|queued/.test(status)) window.sawLive.push("status " + status);
      for (const b of document.querySelectorAll("button")) if (b.textContent?.includes("Cancel run")) window.sawLive.push("Cancel run button");
    };
    new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true });
  `);
  return page;
}
const sawLive = (page: Page) => page.evaluate(() => (window as unknown as { sawLive: string[] }).sawLive);
const printStep = (page: Page) => page.getByRole("button", { name: /Print/ });

test("a finished 200,000-line step opens at its first rows with the stored status: never 'in progress', never a Cancel button", async () => {
  const page = await watchedPage();
  await page.goto(`${r.url}/runs/${big.id}/jobs/print`);
  await page.getByTestId("run-status").filter({ hasText: "success" }).waitFor();
  await printStep(page).click();
  await page.getByText("row 1 of the log", { exact: true }).waitFor();
  await page.getByText("row 20 of the log", { exact: true }).waitFor();
  const rows = Number(await page.locator(".log-box").getAttribute("data-rows"));
  assert.ok(rows > LINES, `every line has a row (${rows}), though few are fetched`);
  assert.ok((await page.locator(".log-box .row").count()) < 400, "only rows near the view are in the DOM");
  assert.deepEqual(await sawLive(page), []);
  assert.equal(await page.getByRole("button", { name: "Cancel run" }).count(), 0);
  await page.close();
});

test("search finds a line far beyond the first page, inside a folded group, and shows it", async () => {
  const page = await watchedPage();
  await page.goto(`${r.url}/runs/${big.id}/jobs/print`);
  await page.getByLabel("search log").fill("needle IN the");
  await page.getByText("1 / 1", { exact: true }).waitFor();
  const hit = page.locator(".line.match", { hasText: "the Needle In The Haystack, said ***" });
  await hit.waitFor();
  assert.equal(await hit.getAttribute("id"), `step2-L${LINES + 2}`);
  assert.deepEqual(await sawLive(page), []);
  await page.close();
});

test("a line link opens its line, fetched by range, and again after a reload", async () => {
  const page = await watchedPage();
  await page.goto(`${r.url}/runs/${big.id}/jobs/print#step2-L150000`);
  const target = page.locator(".line.target", { hasText: "row 150000 of the log" });
  await target.waitFor();
  assert.equal(await target.getAttribute("id"), "step2-L150000");
  await page.reload();
  await target.waitFor();
  await page.getByText("row 149990 of the log", { exact: true }).waitFor();
  assert.deepEqual(await sawLive(page), []);
  await page.close();
});

test("a live step streams new rows while earlier ones are fetched by range; no row is lost or doubled", async () => {
  const hold = join(tempDir("stax-hold-"), "go");
  const created = await r.json<WorkflowRun>("POST", "/api/runs", {
    workflow: "logs",
    inputs: { lines: 20_000, hold },
  });
  assert.equal(created.status, 201);
  const id = created.body.id;
  // Wait until the step is holding, so its first 20,000 rows were printed before the page opens.
  await until(
    "the step to hold after 20,000 lines",
    async () => {
      const res = await r
        .json<{ total: number }>("GET", `/api/runs/${id}/jobs/print/steps/2/lines?from=20003&limit=1`)
        .catch(() => undefined);
      return res?.status === 200 && res.body.total > 20_004 ? true : undefined;
    },
    120_000,
    100,
  );
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(`${r.url}/runs/${id}/jobs/print`);
  await page.getByTestId("run-status").filter({ hasText: "in progress" }).waitFor();
  await page
    .locator(".line", { hasText: /^\d+live \d+$/ })
    .first()
    .waitFor();
  const liveNumbers = async () =>
    (await page.locator(".line .text").allTextContents())
      .map((t) => /^live (\d+)$/.exec(t)?.[1])
      .filter(Boolean)
      .map(Number);
  const seen = Math.max(...(await liveNumbers()));

  // Earlier rows, never streamed to this page, come by range.
  await page.evaluate(() => (location.hash = "#step2-L5000"));
  await page.locator(".line.target", { hasText: "row 5000 of the log" }).waitFor();
  // Back to the tail: rows printed meanwhile are there, and more keep coming.
  await page.getByLabel("Follow").check();
  await page.waitForFunction(
    (n) =>
      [...document.querySelectorAll(".line .text")].some(
        (e) => Number(/^live (\d+)$/.exec(e.textContent ?? "")?.[1]) > n + 10,
      ),
    seen,
  );
  writeFileSync(hold, "");
  await page.getByTestId("run-status").filter({ hasText: "success" }).waitFor({ timeout: 30_000 });
  await page.getByText("last row", { exact: true }).waitFor();
  const tail = await liveNumbers();
  assert.ok(tail.length > 5);
  assert.deepEqual(
    tail,
    tail.map((_, i) => tail[0] + i),
    "consecutive live rows, none lost, none twice",
  );
  const stored = (await r.json<{ total: number }>("GET", `/api/runs/${id}/jobs/print/steps/2/lines?from=0&limit=1`))
    .body.total;
  assert.equal(
    Number(await page.locator(".log-box").getAttribute("data-rows")),
    rowsFor(stored),
    "one row per stored line",
  );
  await page.close();
});

/** Rows of the print job with step 2 open: two step headers, step 2's lines minus its folded group's body and its endgroup line. */
const rowsFor = (total: number) => 2 + total - 2;
