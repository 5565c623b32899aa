/**
 * The dashboard as a daily home (issue 25), end to end: real Chromium, a real runner on a git
 * copy of test/fixtures/dashboard. Each test is one item of the issue, done as a user does it.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import type { Page } from "playwright-core";
import type { CacheEntryInfo, SecretInfo, WorkflowRun } from "../../src/contract/index.js";
import { dashboardSession } from "../helpers/browser.js";
import { tempDir } from "../helpers/temp.js";

const session = dashboardSession();

async function newPage(width = 1280, height = 860): Promise<Page> {
  const page = await session.browser.newPage({ viewport: { width, height } });
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  return page;
}
const start = async (workflow: string, extra: Record<string, unknown> = {}) => {
  const res = await session.runner.json<WorkflowRun>("POST", "/api/runs", {
    workflow,
    ...extra,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
};
let deployRun: WorkflowRun | undefined;
/** A finished run of deploy.yml: a warning with file:line:col, a notice, and a failed matrix leg with an error. */
const deployed = async () =>
  (deployRun ??= await session.runner.waitCompleted(
    (await start("deploy", { inputs: { target: "web" }, vars: { REGION: "eu-west" }, actor: "ada" })).id,
  ));
/** The page is no wider than its viewport: nothing scrolls sideways. */
const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

test("the run page lists annotations per job, each linked to its log line; the run list counts them; file:line in the log is a link", async () => {
  const run = await deployed();
  const page = await newPage();
  await page.goto(`${session.runner.url}/runs/${run.id}`);
  const panel = page.getByRole("region", { name: "annotations" });
  await panel.waitFor();
  assert.match((await panel.textContent()) ?? "", /2 errors, 1 warning, 1 notice/);
  const lint = page.getByRole("list", { name: "annotations of lint" });
  assert.match((await lint.textContent()) ?? "", /Unused variable: 'x' is never read/);
  await lint.getByRole("link", { name: "src/app.ts:12:3" }).click();
  await page.waitForURL(/\/jobs\/lint#step\d+-L\d+$/);
  await page.locator(".line.target", { hasText: "'x' is never read" }).waitFor();
  // In the log, the annotation's file:line is a link that opens the file in an editor.
  const href = await page.locator(".line.target a.a-file").getAttribute("href");
  assert.match(href ?? "", /^vscode:\/\/file\/.+\/src\/app\.ts:12:3$/);

  await page.goto(`${session.runner.url}/`);
  const counts = page.locator(`li[data-run="${run.number}"] .a-counts`);
  assert.equal(await counts.getAttribute("aria-label"), "2 errors, 1 warning, 1 notice");
  await page.close();
});

test("runs are told apart: run-name titles, commit subject, actor and sha in the list and header, inputs on the run page, a title per page", async () => {
  const run = await deployed();
  const page = await newPage();
  await page.goto(`${session.runner.url}/`);
  const row = page.locator(`li[data-run="${run.number}"]`);
  await row.getByText("Deploy web by ada to eu-west").waitFor();
  const sub = (await row.locator(".run-sub").textContent()) ?? "";
  assert.match(sub, new RegExp(`${run.trigger.sha.slice(0, 7)}.*fixture.*ada`));
  assert.equal(await page.title(), "Runs · stax");
  await row.getByRole("link").click();
  await page.getByRole("heading", { name: /Deploy web by ada to eu-west #\d+/ }).waitFor();
  assert.equal(await page.title(), `Deploy web by ada to eu-west #${run.number} · stax`);
  const inputs = page.getByRole("region", { name: "inputs" });
  assert.match((await inputs.textContent()) ?? "", /target\s*web/);
  assert.match((await inputs.textContent()) ?? "", /shards\s*2/);
  await page.goto(`${session.runner.url}/secrets`);
  assert.equal(await page.title(), "Secrets · stax");
  await page.close();
});

test("re-run failed jobs links the two runs both ways; a reused job links its original log; a run is deleted from its page after a confirmation", async () => {
  const first = await session.runner.runToEnd("flaky");
  const page = await newPage();
  await page.goto(`${session.runner.url}/runs/${first.id}`);
  await page.getByRole("button", { name: "Re-run failed jobs" }).click();
  await page.waitForURL((u) => !u.pathname.endsWith(first.id));
  const second = new URL(page.url()).pathname.split("/")[2];
  await page
    .getByRole("group", { name: "attempts" })
    .getByRole("link", { name: `#${first.number}` })
    .waitFor();
  // GitHub's attempt picker: both attempts, this one chosen.
  const picker = page.getByRole("combobox", { name: "attempt" });
  assert.deepEqual(
    (await picker.locator("option").allTextContents()).map((t) => t.replace(/,.*\)/, ")")),
    [`Attempt 1 (#${first.number})`, `Attempt 2 (#${first.number + 1})`],
  );
  await page.getByTestId("run-status").filter({ hasText: "failure" }).waitFor({ timeout: 20_000 });
  await page
    .getByRole("navigation", { name: "jobs" })
    .getByRole("link", { name: /steady/ })
    .click();
  await page.getByRole("link", { name: `Open its log in run #${first.number}` }).click();
  await page.waitForURL(`${session.runner.url}/runs/${first.id}/jobs/steady`);
  await page
    .getByRole("group", { name: "attempts" })
    .getByRole("link", { name: /^#\d+$/ })
    .waitFor();
  const back = await page.getByRole("group", { name: "attempts" }).getByRole("link").getAttribute("href");
  assert.equal(back, `/runs/${second}`, "the first run links its re-run");

  await page.goto(`${session.runner.url}/runs/${second}`);
  await page.getByRole("button", { name: "Delete run…" }).click();
  await page.getByRole("group", { name: "confirm delete" }).waitFor();
  assert.equal(
    (await session.runner.json("GET", `/api/runs/${second}`)).status,
    200,
    "nothing is deleted before the confirmation",
  );
  await page.getByRole("group", { name: "confirm delete" }).getByRole("button", { name: "Delete" }).click();
  await page.waitForURL(`${session.runner.url}/`);
  assert.equal((await session.runner.json("GET", `/api/runs/${second}`)).status, 404);
  await page.close();
});

test("re-run one job from its page: that leg runs again, its sibling leg and the other jobs are reused", async () => {
  const run = await deployed();
  const page = await newPage();
  await page.goto(`${session.runner.url}/runs/${run.id}/jobs/${encodeURIComponent("test (1)")}`);
  await page.getByRole("button", { name: "Re-run this job" }).click();
  await page.waitForURL((u) => !u.pathname.includes(run.id));
  await page.getByTestId("run-status").filter({ hasText: "failure" }).waitFor({ timeout: 30_000 });
  const id = new URL(page.url()).pathname.split("/")[2];
  const again = (await session.runner.json<WorkflowRun>("GET", `/api/runs/${id}`)).body;
  assert.deepEqual(
    again.jobs.map((j) => [j.id, j.reusedFrom ? "reused" : "ran"]),
    [
      ["lint", "reused"],
      ["test (1)", "ran"],
      ["test (2)", "reused"],
      ["ship", "ran"],
    ],
  );
  await page.close();
});

test("at 390 px (a phone) no page is wider than the screen, the job list stacks above the content and the log takes the full width", async () => {
  const run = await deployed();
  const page = await newPage(390, 844);
  for (const path of [
    "/",
    `/runs/${run.id}`,
    "/workflows",
    "/secrets",
    "/variables",
    "/caches",
    "/workflows/deploy.yml",
  ]) {
    await page.goto(`${session.runner.url}${path}`);
    await page.locator("main").waitFor();
    await page.waitForTimeout(300);
    assert.ok((await pageWidth(page)) <= 390, `${path} is ${await pageWidth(page)} px wide`);
  }
  await page.goto(`${session.runner.url}/runs/${run.id}/jobs/${encodeURIComponent("test (2)")}`);
  await page.getByText("expected 2, got 3").waitFor();
  assert.ok((await pageWidth(page)) <= 390, `the job page is ${await pageWidth(page)} px wide`);
  const log = (await page.locator(".log-box").boundingBox())!;
  assert.ok(log.width >= 340, `the log is ${log.width} px wide`);
  const jobs = (await page.getByRole("navigation", { name: "jobs" }).boundingBox())!;
  assert.ok(jobs.y + jobs.height <= log.y, "the job list sits above the log");
  // The graph stays usable: it scrolls inside its own box.
  await page.goto(`${session.runner.url}/runs/${run.id}`);
  const graph = page.locator(".graph");
  await graph.waitFor();
  assert.ok(((await graph.boundingBox())?.width ?? 999) <= 390);
  await page.close();
});

test("the log viewer: search marks the term, a sticky header names the step deep in it, Follow unticks when the run ends, a cancelled step says so", async () => {
  const ticker = await start("ticker");
  const page = await newPage(1280, 700);
  await page.goto(`${session.runner.url}/runs/${ticker.id}/jobs/tick`);
  const follow = page.getByRole("checkbox", { name: "Follow" });
  await page.getByText("tick 5", { exact: true }).waitFor();
  assert.equal(await follow.isChecked(), true, "a running job is followed");
  await page.getByTestId("run-status").filter({ hasText: "success" }).waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => !(document.querySelector(".follow input") as HTMLInputElement).checked);

  // Line numbers keep room for five digits and a gap on both sides (they touched the edge).
  const ln = await page
    .locator(".line .ln")
    .first()
    .evaluate((el) => {
      const cs = getComputedStyle(el);
      const ch = parseFloat(getComputedStyle(el).fontSize) * 0.6;
      return {
        left: parseFloat(cs.paddingLeft),
        right: parseFloat(cs.paddingRight),
        width: el.getBoundingClientRect().width,
        ch,
      };
    });
  assert.ok(ln.left > 0 && ln.right > 0 && ln.width >= ln.ch * 7, JSON.stringify(ln));

  await page.getByLabel("search log").fill("tick 17");
  await page.getByText("1 / 1").waitFor();
  assert.equal(await page.locator(".line.match mark").first().textContent(), "tick 17");
  assert.equal((await page.locator(".line mark").count()) >= 1, true);

  // The step's run: script, as written.
  await page.getByRole("button", { name: "script of step 1" }).click();
  assert.match(
    (await page.getByRole("region", { name: "script of Tick" }).textContent()) ?? "",
    /for i in \$\(seq 1 200\); do echo "tick \$i"/,
  );
  await page.getByRole("button", { name: "close the script" }).click();

  await page.locator(".log-box").evaluate((el) => (el.scrollTop = 2000));
  await page.getByTestId("sticky-step").filter({ hasText: "Tick" }).waitFor();
  await page.locator(".log-box").evaluate((el) => (el.scrollTop = 0));
  await page.getByTestId("sticky-step").waitFor({ state: "detached" });

  const long = await start("long");
  await page.goto(`${session.runner.url}/runs/${long.id}/jobs/wait`);
  await page.getByText("waiting", { exact: true }).waitFor();
  await page.getByRole("button", { name: "Cancel run" }).click();
  await page.getByTestId("run-status").filter({ hasText: "cancelled" }).waitFor({ timeout: 30_000 });
  await page.locator(".step-row .step-note", { hasText: "cancelled" }).first().waitFor();
  await page.close();
});

test("run list filters by branch, event, actor and text; no match says so (not 'No runs yet'); Newer stays in the app", async () => {
  const run = await deployed();
  await session.runner.runToEnd("flaky");
  const page = await newPage();
  await page.goto(`${session.runner.url}/`);
  await page.locator(`li[data-run="${run.number}"]`).waitFor();
  await page.getByLabel("search runs").fill("eu-west");
  await page.getByLabel("search runs").press("Enter");
  await page.waitForURL(/q=eu-west/);
  await page.locator(`li[data-run="${run.number}"]`).waitFor();
  // Its re-runs keep its title; nothing else matches.
  await page.waitForFunction(() =>
    [...document.querySelectorAll("li.run-row")].every((li) => li.textContent?.includes("eu-west")),
  );
  assert.ok(
    (await session.runner.json<WorkflowRun[]>("GET", "/api/runs?limit=100")).body.some(
      (x) => !x.displayTitle?.includes("eu-west"),
    ),
    "other runs exist and are filtered out",
  );
  await page.goto(`${session.runner.url}/?actor=ada&event=workflow_dispatch&branch=main`);
  await page.locator(`li[data-run="${run.number}"]`).waitFor();
  assert.ok((await page.locator("li.run-row").count()) >= 1);
  assert.equal(await page.locator("li.run-row .run-sub", { hasNotText: "ada" }).count(), 0, "only ada's runs");
  await page.goto(`${session.runner.url}/?q=no-such-run-anywhere`);
  await page.getByText("No runs match these filters.").waitFor();
  assert.equal(await page.getByText("No runs yet").count(), 0);
  // A page opened directly: Newer goes to the newer page of the list, in the app.
  await page.goto(`${session.runner.url}/?before=2`);
  await page.getByRole("link", { name: "Newer" }).click();
  await page.waitForURL((u) => u.origin === new URL(session.runner.url).origin && u.pathname === "/");
  await page.locator("li.run-row").first().waitFor();
  await page.close();
});

test("forms: a number input refuses 'abc' before sending; a ref picker lists the branches; GITHUB_TOKEN is refused as a secret name; multi-line secret values", async () => {
  const page = await newPage();
  await page.goto(`${session.runner.url}/workflows/greet.yml`);
  await page.getByLabel("greeting").fill("Ada");
  await page.getByLabel("count").fill("abc");
  await page.getByRole("button", { name: "Run workflow" }).click();
  assert.equal(await page.getByLabel("count").evaluate((el) => (el as HTMLInputElement).validity.valid), false);
  assert.match(page.url(), /\/workflows\/greet\.yml$/, "nothing was started");
  // The picker's refs come from GET /api/refs after the form renders: wait for them, not a moment.
  await page
    .getByLabel("Use workflow from")
    .locator("option", { hasText: "main" })
    .first()
    .waitFor({ state: "attached" });
  const options = await page.getByLabel("Use workflow from").locator("option").allTextContents();
  assert.ok(options.includes("main"), `the picker lists ${options.join(", ")}`);
  await page.getByLabel("count").fill("2");
  await page.getByLabel("Use workflow from").selectOption("refs/heads/main");
  await page.getByRole("button", { name: "Run workflow" }).click();
  await page.waitForURL(/\/runs\/[^/]+$/);
  await page.getByTestId("run-status").filter({ hasText: "success" }).waitFor({ timeout: 30_000 });

  await page.goto(`${session.runner.url}/secrets`);
  await page.getByLabel("Name").fill("GITHUB_TOKEN");
  await page.getByLabel("Value", { exact: true }).fill("x");
  await page.getByRole("button", { name: "Save secret" }).click();
  assert.equal(
    await page.getByLabel("Name").evaluate((el) => (el as HTMLInputElement).validity.valid),
    false,
    "the browser refuses it",
  );
  const api = await session.runner.json<{ error: { code: string; message: string } }>(
    "PUT",
    "/api/secrets/GITHUB_TOKEN",
    {
      value: "x",
    },
  );
  assert.equal(api.body.error.code, "INVALID_NAME", "and so does the runner");
  assert.match(api.body.error.message, /reserved/);

  await page.getByLabel("Name").fill("DEPLOY_KEY");
  await page.getByLabel("Several lines").check();
  await page.getByLabel("Value", { exact: true }).fill("-----BEGIN KEY-----\nabc\n-----END KEY-----");
  await page.getByRole("button", { name: "Save secret" }).click();
  await page.getByRole("list", { name: "secrets" }).getByText("DEPLOY_KEY").waitFor();
  assert.ok((await session.runner.json<SecretInfo[]>("GET", "/api/secrets")).body.some((s) => s.name === "DEPLOY_KEY"));
  await page.close();
});

/** Makes branch `name` of the session's workspace: HEAD with `file` holding `content`; the working tree is left as it is. */
function branchWith(name: string, file: string, content: string): void {
  const index = join(tempDir("stax-index-"), "index");
  const git = (args: string[], input?: string) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], {
      cwd: session.runner.workspace,
      input,
      encoding: "utf8",
      env: { ...process.env, GIT_INDEX_FILE: index },
    }).trim();
  const blob = git(["hash-object", "-w", "--stdin"], content);
  git(["read-tree", "HEAD"]);
  git(["update-index", "--cacheinfo", `100644,${blob},${file}`]);
  git(["branch", name, git(["commit-tree", git(["write-tree"]), "-p", "HEAD", "-m", name])]);
}

test("Use workflow from a branch shows that branch's inputs, and the run gets them", async () => {
  branchWith(
    "greet-v0",
    ".github/workflows/greet.yml",
    'name: greet\non:\n  workflow_dispatch:\n    inputs:\n      who:\n        required: true\njobs:\n  hello:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "hi ${{ inputs.who }}"\n',
  );
  const page = await newPage();
  await page.goto(`${session.runner.url}/workflows/greet.yml`);
  await page.getByLabel("greeting").waitFor();
  const picker = page.getByLabel("Use workflow from");
  await picker.locator("option", { hasText: "greet-v0" }).waitFor({ state: "attached" });
  await picker.selectOption("refs/heads/greet-v0");
  await page.locator("#input-who").fill("Grace");
  assert.equal(await page.getByLabel("greeting").count(), 0, "the workspace's inputs are gone");
  await page.getByRole("button", { name: "Run workflow" }).click();
  await page.waitForURL(/\/runs\/[^/]+$/);
  const id = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
  assert.equal((await session.runner.waitCompleted(id)).conclusion, "success");
  assert.match((await session.runner.json<string>("GET", `/api/runs/${id}/logs`)).body, /^hi Grace$/m);
  // Back to the workspace as it is: its inputs again.
  await page.goBack();
  await page.getByLabel("Use workflow from").selectOption("");
  await page.getByLabel("greeting").waitFor();
  assert.equal(await page.locator("#input-who").count(), 0);
  await page.close();
});

test("the caches page lists actions/cache entries with size and last use, and deletes one after a confirmation", async () => {
  await session.runner.runToEnd("cached");
  const page = await newPage();
  await page.goto(`${session.runner.url}/caches`);
  const list = page.getByRole("list", { name: "caches" });
  await list.getByText("deps-Linux-v1").waitFor();
  assert.match((await list.textContent()) ?? "", /\d+(\.\d)? (B|KB).*last used/);
  await page.getByRole("button", { name: "delete deps-Linux-v1" }).click();
  assert.equal(
    (await session.runner.json<CacheEntryInfo[]>("GET", "/api/caches")).body.length,
    1,
    "not before the confirmation",
  );
  await page.getByRole("button", { name: "yes, delete deps-Linux-v1" }).click();
  await page.getByText("No caches yet.").waitFor();
  assert.deepEqual((await session.runner.json<CacheEntryInfo[]>("GET", "/api/caches")).body, []);
  await page.close();
});
