/**
 * The runner stopped and started again while pages are open (issue 25, item 1): real Chromium, a
 * real runner closed and started again on the same port, home and workspace. The badge must say
 * "runner offline" with the banner within seconds, an action pressed meanwhile must fail with a
 * sentence, and a view that failed to load must load by itself once the runner is back.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { dashboardSession, WEB_DIST } from "../helpers/browser.js";
import { startTestRunner } from "../helpers/runner.js";

const session = dashboardSession();

test("a runner stopped while a page is open: offline with the banner in seconds, actions fail with a sentence, a failed view heals when the runner is back", async () => {
  const first = await session.runner.runToEnd("flaky");
  const second = await session.runner.runToEnd("flaky");
  const page = await session.browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${session.runner.url}/runs/${first.id}`);
  await page.getByRole("status", { name: "connection: live" }).waitFor();

  const port = Number(new URL(session.runner.url).port);
  const { home, workspace } = session.runner;
  await session.runner.close();
  const t0 = Date.now();
  await page.getByRole("status", { name: "connection: runner offline" }).waitFor({ timeout: 15_000 });
  await page.getByRole("alert").filter({ hasText: "The runner is not answering" }).waitFor();
  // Generous for 2 loaded cores; before the fix the badge said "reconnecting…" for good.
  assert.ok(Date.now() - t0 < 12_000, `offline was said after ${Date.now() - t0} ms`);

  await page.getByRole("button", { name: "Re-run all jobs" }).click();
  const said = await page.locator(".actions .error").textContent();
  assert.match(said ?? "", /runner is not answering/i);
  assert.doesNotMatch(said ?? "", /Failed to fetch/);

  // A page opened while the runner is down fails, then loads by itself when it is back.
  await page.evaluate((id) => {
    history.pushState(null, "", `/runs/${id}`);
    dispatchEvent(new PopStateEvent("popstate"));
  }, second.id);
  await page
    .getByRole("alert")
    .filter({ hasText: /runner is not answering/i })
    .first()
    .waitFor();

  session.runner = await startTestRunner({ workspace, home, webRoot: WEB_DIST, port });
  await page.getByRole("status", { name: "connection: live" }).waitFor({ timeout: 20_000 });
  await page.getByTestId("run-status").filter({ hasText: "failure" }).waitFor({ timeout: 20_000 });
  assert.equal(
    await page.getByRole("alert").filter({ hasText: "The runner is not answering" }).count(),
    0,
    "the banner is gone",
  );
  assert.match((await page.locator(".run-head h1").textContent()) ?? "", new RegExp(`#${second.number}`));
  await page.close();
});
