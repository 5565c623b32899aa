/**
 * The dashboard end to end: real Chromium, a real runner on a free port serving web/dist, real
 * workflows from test/fixtures/dashboard. Everything goes through the UI a user clicks; the API is
 * used only to set up runs the test is not about and to check what the UI did.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, readFileSync } from "node:fs";
import type { Socket } from "node:net";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { SecretInfo, WorkflowRun } from "../../src/contract/index.js";
import { launchBrowser, WEB_DIST } from "../helpers/browser.js";
import { FIXTURES } from "../helpers/engine.js";
import { startTestRunner, type TestRunner } from "../helpers/runner.js";
import { tempDir } from "../helpers/temp.js";

let r: TestRunner;
let browser: Browser;
/** Every connection the runner accepted that is still open (an event stream may be served off Node's HTTP server, whose `closeAllConnections` does not know it). */
const connections = new Set<Socket>();

before(async () => {
  // A git repository of its own in a temporary folder, so runs get a real ref and sha.
  const workspace = join(tempDir("stax-e2e-"), "demo");
  cpSync(resolve(FIXTURES, "dashboard"), workspace, { recursive: true });
  const git = (...args: string[]) => execFileSync("git", args, { cwd: workspace, stdio: "ignore" });
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("-c", "user.name=stax", "-c", "user.email=stax@example.invalid", "commit", "-q", "-m", "fixtures");
  r = await startTestRunner({ workspace, webRoot: WEB_DIST });
  r.server.on("connection", (socket: Socket) => {
    connections.add(socket);
    socket.once("close", () => connections.delete(socket));
  });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await r?.close();
});

async function newPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  return page;
}

const runStatus = (page: Page) => page.getByTestId("run-status");
const start = async (workflow: string, inputs: Record<string, string> = {}) => {
  const res = await r.json<WorkflowRun>("POST", "/api/runs", { workflow, inputs });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
};
/** The text of the log rows in the DOM (the viewer renders those in and near view). */
const logTexts = (page: Page) => page.locator(".log-box .line .text, .log-box .line .fold").allTextContents();

let greetRun: WorkflowRun | undefined;
/** A finished run of greet.yml: the first test's, or one started here when that test did not get so far (tests do not depend on their order). */
const greeted = async (): Promise<WorkflowRun> =>
  (greetRun ??= await r.waitCompleted(
    (await start("greet", { greeting: "Ada", loud: "true", level: "high", count: "8" })).id,
  ));

test("trigger a workflow with inputs from the form: it appears in the runs list live, its log streams in order with colours, its steps go green", async () => {
  const list = await newPage();
  await list.goto(`${r.url}/`);
  await list.getByText("No runs yet").waitFor();

  const page = await newPage();
  await page.goto(`${r.url}/workflows`);
  await page.locator("li.workflow", { hasText: "greet.yml" }).getByRole("link", { name: "Run…" }).click();
  await page.getByLabel("greeting").fill("Ada");
  await page.getByLabel("loud").check();
  await page.getByLabel("level").selectOption("high");
  await page.getByLabel("count").fill("8");
  await page.getByRole("button", { name: "Run workflow" }).click();
  await page.waitForURL(/\/runs\/[^/]+$/);
  const id = new URL(page.url()).pathname.split("/")[2];

  await list.locator(`li[data-run="1"]`).waitFor();
  await page.getByRole("navigation", { name: "jobs" }).getByRole("link", { name: /hello/ }).click();
  await page.getByText("hello Ada 3").waitFor();
  await page.getByText("done greeting").waitFor({ timeout: 20_000 });
  const texts = await logTexts(page);
  const hellos = texts.filter((t) => t.startsWith("hello Ada"));
  assert.deepEqual(
    hellos,
    [1, 2, 3, 4, 5, 6, 7, 8].map((i) => `hello Ada ${i}`),
    "lines arrive once each, in order",
  );
  const colour = await page.getByText("hello Ada 1", { exact: true }).evaluate((el) => getComputedStyle(el).color);
  assert.equal(colour, "rgb(63, 185, 80)", "ANSI green is rendered");

  await runStatus(page).filter({ hasText: "success" }).waitFor({ timeout: 20_000 });
  assert.equal(await page.locator(".step-row .status-success").count(), 3, "every step of the job is green");
  await list.locator(`li[data-run="1"] .status-success`).waitFor();

  greetRun = (await r.json<WorkflowRun>("GET", `/api/runs/${id}`)).body;
  assert.deepEqual(greetRun.inputs, { greeting: "Ada", loud: true, level: "high", count: 8 });
  assert.deepEqual(
    greetRun.jobs.map((j) => j.id),
    ["hello", "test (linux)", "test (mac)"],
  );

  // The README's pictures of these pages are taken by `npm run screenshots`, never by a test.
  await page.getByRole("link", { name: "Summary" }).click();
  await page.getByRole("group", { name: "job graph" }).waitFor();
  await page.getByRole("heading", { name: "Greeting" }).waitFor();
  await list.close();
  await page.close();
});

test("groups fold and unfold; annotations are highlighted; a line link survives a reload", async () => {
  const page = await newPage();
  await page.goto(`${r.url}/runs/${(await greeted()).id}/jobs/hello`);
  await page.getByRole("button", { name: /Say hello/ }).click();
  const group = page.getByRole("button", { name: "expand group Details" });
  await group.waitFor();
  assert.equal(await page.getByText("level=high").count(), 0, "a group starts folded");
  await group.click();
  await page.getByText("level=high").waitFor();
  await page.getByRole("button", { name: "collapse group Details" }).click();
  await page.getByText("level=high").waitFor({ state: "detached" });
  const warning = page.locator(".line.kind-warning");
  assert.match((await warning.textContent()) ?? "", /Warning\s*careful, high level/);

  // The line's id, `step<n>-L<line>` (the sandbox notice comes first in a run started from the dashboard).
  const lineId = (await page.locator(".line", { hasText: "hello Ada 3" }).getAttribute("id"))!;
  await page.goto(`${r.url}/runs/${(await greeted()).id}/jobs/hello#${lineId}`);
  await page.locator(".line.target", { hasText: "hello Ada 3" }).waitFor();
  await page.reload();
  await page.locator(".line.target", { hasText: "hello Ada 3" }).waitFor();

  await page.getByLabel("search log").fill("ada");
  await page.getByText("1 / 8").waitFor();
  await page.getByLabel("search log").press("Enter");
  await page.getByText("2 / 8").waitFor();
  await page.locator(".line.match", { hasText: "hello Ada 2" }).waitFor();
  await page.close();
});

test("download an artifact from the run page", async () => {
  const page = await newPage();
  await page.goto(`${r.url}/runs/${(await greeted()).id}`);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "report" }).click(),
  ]);
  assert.equal(readFileSync((await download.path())!, "utf8"), "greeted Ada\n");
  await page.close();
});

test("cancel a long run from its page and see it cancelled", async () => {
  const run = await start("long");
  const page = await newPage();
  await page.goto(`${r.url}/runs/${run.id}/jobs/wait`);
  await page.getByText("waiting", { exact: true }).waitFor();
  await page.getByRole("button", { name: "Cancel run" }).click();
  await runStatus(page).filter({ hasText: "cancelled" }).waitFor({ timeout: 20_000 });
  assert.equal((await r.json<WorkflowRun>("GET", `/api/runs/${run.id}`)).body.conclusion, "cancelled");
  await page.close();
});

test("re-run failed jobs: the failed job and its dependants run again; the job that succeeded is shown reused from the first run", async () => {
  const first = await r.runToEnd("flaky");
  assert.equal(first.conclusion, "failure");
  const page = await newPage();
  await page.goto(`${r.url}/runs/${first.id}`);
  await page.getByRole("button", { name: "Re-run failed jobs" }).click();
  await page.waitForURL((u) => !u.pathname.endsWith(first.id));
  await runStatus(page).filter({ hasText: "failure" }).waitFor({ timeout: 20_000 });
  const id = new URL(page.url()).pathname.split("/")[2];
  const rerun = (await r.json<WorkflowRun>("GET", `/api/runs/${id}`)).body;
  assert.ok(rerun.number > first.number);
  assert.deepEqual(rerun.jobs.map((j) => j.id).sort(), ["after", "shaky", "steady"]);
  assert.deepEqual(rerun.jobs.find((j) => j.id === "steady")?.reusedFrom, { runId: first.id, runNumber: first.number });
  await page.getByText(`reused from #${first.number}`).waitFor();
  await page.close();
});

test("add and delete a secret; its value is never shown back", async () => {
  const page = await newPage();
  await page.goto(`${r.url}/secrets`);
  await page.getByLabel("Name").fill("E2E_TOKEN");
  await page.getByLabel("Value").fill("v4lue-never-shown");
  await page.getByRole("button", { name: "Save secret" }).click();
  await page.getByRole("list", { name: "secrets" }).getByText("E2E_TOKEN").waitFor();
  assert.ok(!(await page.content()).includes("v4lue-never-shown"));
  assert.ok((await r.json<SecretInfo[]>("GET", "/api/secrets")).body.some((s) => s.name === "E2E_TOKEN"));
  await page.getByRole("button", { name: "delete E2E_TOKEN" }).click();
  // Delete asks first (issue 25): nothing is gone until the confirmation.
  await page.getByRole("button", { name: "yes, delete E2E_TOKEN" }).click();
  // Exact: while it asks, the row also says "Delete E2E_TOKEN?".
  await page
    .getByRole("list", { name: "secrets" })
    .getByText("E2E_TOKEN", { exact: true })
    .waitFor({ state: "detached" });
  assert.ok(!(await r.json<SecretInfo[]>("GET", "/api/secrets")).body.some((s) => s.name === "E2E_TOKEN"));
  await page.close();
});

test("a dropped SSE connection resumes from the last event id: no line lost, none doubled", async () => {
  const page = await newPage();
  const run = await start("ticker");
  await page.goto(`${r.url}/runs/${run.id}/jobs/tick`);
  await page.getByText("tick 20", { exact: true }).waitFor();
  for (const socket of connections) socket.destroy();
  await page.getByRole("status", { name: /connection: (reconnecting|runner offline)/ }).waitFor();
  await page.getByRole("status", { name: "connection: live" }).waitFor({ timeout: 20_000 });
  await runStatus(page).filter({ hasText: "success" }).waitFor({ timeout: 30_000 });
  // 200 ticks, the sandbox's line (a run from the API runs in one) and one row more.
  await page.locator('.log-box[data-rows="202"]').waitFor();
  await page.getByLabel("search log").fill("tick ");
  await page.getByText("1 / 200").waitFor();
  await page.close();
});

test("a 100,000-line log renders and scrolls without freezing the page", async (t) => {
  const run = await start("big");
  await r.waitCompleted(run.id, 120_000);
  const page = await newPage();
  const t0 = Date.now();
  await page.goto(`${r.url}/runs/${run.id}/jobs/big#step1-L1`);
  await page.locator("#step1-L1").waitFor();
  const firstPaint = Date.now() - t0;
  await page.locator('.log-box[data-rows="100002"]').waitFor({ timeout: 60_000 });
  const allRows = Date.now() - t0;
  // Jump through the log; each jump must paint its rows in the next frames.
  const jumps = await page.evaluate(async () => {
    const box = document.querySelector(".log-box") as HTMLElement;
    const times: number[] = [];
    for (let i = 1; i <= 20; i++) {
      const t = performance.now();
      box.scrollTop = (box.scrollHeight * i) / 20;
      box.dispatchEvent(new Event("scroll"));
      await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
      times.push(performance.now() - t);
    }
    return times;
  });
  await page.locator("#step1-L100001").waitFor();
  assert.equal((await page.locator(".log-box .row").count()) < 400, true, "only rows near the view are in the DOM");
  // Without freezing: every jump paints within two frames plus slack for a loaded CI machine
  // (measured: ~100 ms on 2 busy cores; a viewer that lays out all rows takes seconds per jump).
  assert.ok(Math.max(...jumps) < 1000, `a scroll jump took ${Math.round(Math.max(...jumps))} ms`);
  t.diagnostic(
    `100k-line log: first rows painted ${firstPaint} ms after navigation, all rows loaded at ${allRows} ms, scroll jump max ${Math.round(Math.max(...jumps))} ms`,
  );
  console.log(
    `dashboard-bench: firstPaint=${firstPaint}ms allRows=${allRows}ms jumpMax=${Math.round(Math.max(...jumps))}ms`,
  );
  await page.close();
});

test("workflows list shows an invalid file's errors with line and column; unknown pages say so", async () => {
  const page = await newPage();
  await page.goto(`${r.url}/workflows`);
  const errors = page.getByRole("list", { name: "errors in broken.yml" });
  await errors.waitFor();
  assert.match((await errors.textContent()) ?? "", /broken\.yml:\d+:\d+/);
  assert.match((await errors.textContent()) ?? "", /nope/);
  await page.goto(`${r.url}/runs/does-not-exist`);
  await page.getByRole("alert").waitFor();
  await page.close();
});
