/**
 * What tells runs apart (issue 25): `run-name` evaluated as GitHub does (TRIG-12, CTX-11: github,
 * inputs, vars) into `displayTitle`, the commit's subject and actor in the trigger, annotations
 * per job with the log line that holds them, and a re-run naming the run it re-ran. A real runner
 * on a git copy of the dashboard fixture; the CLI's `stax runs` and `stax show` print the title.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { parseAnnotation, type StepLinesResponse, type WorkflowRun } from "../../src/contract/index.js";
import { STAX_BIN, startTestRunner, type TestRunner } from "../helpers/runner.js";
import { fixtureCopy } from "../helpers/temp.js";

let r: TestRunner;
before(async () => {
  r = await startTestRunner({ workspace: fixtureCopy("dashboard") });
});
after(() => r.close());

function stax(args: string[]): Promise<string> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [STAX_BIN, ...args], {
      env: { ...process.env, NO_COLOR: "1", RUNNER_URL: r.url, STAX_HOME: r.home, STAX_WORKSPACE: r.workspace },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", () => done(out));
  });
}

let deployRun: WorkflowRun | undefined;
const deployed = async () =>
  (deployRun ??= await r.runToEnd("deploy", { inputs: { target: "web" }, vars: { REGION: "eu-west" }, actor: "ada" }));

test("run-name is evaluated with the inputs, vars and github contexts (TRIG-12, CTX-11) and shown by the API, stax runs and stax show", async () => {
  const run = await deployed();
  assert.equal(run.displayTitle, "Deploy web by ada to eu-west");
  assert.equal(run.trigger.actor, "ada");
  assert.equal(run.trigger.commitSubject, "fixture");
  const list = (await r.json<WorkflowRun[]>("GET", "/api/runs")).body;
  assert.equal(list.find((x) => x.id === run.id)?.displayTitle, "Deploy web by ada to eu-west");
  assert.match(await stax(["runs"]), /Deploy web by ada to eu-west/);
  const shown = await stax(["show", run.id]);
  assert.match(shown, /^Deploy web by ada to eu-west — Deploy run \d+/);
  assert.match(shown, /ada: fixture/);
});

test("a run without run-name is titled as GitHub titles it: a push by its commit's subject, a dispatch by the workflow's name", async () => {
  const push = await r.runToEnd("flaky");
  assert.equal(push.displayTitle, "fixture");
  const dispatch = await r.runToEnd("greet", { inputs: { greeting: "x", count: "1" } });
  assert.equal(dispatch.displayTitle, "greet");
});

test("a job's annotations are listed on it with their file, line and the log line that holds them", async () => {
  const run = await deployed();
  const lint = run.jobs.find((j) => j.id === "lint")!;
  assert.deepEqual(
    lint.annotations?.map(({ level, title, file, line, col, message }) => ({ level, title, file, line, col, message })),
    [
      {
        level: "warning",
        title: "Unused variable",
        file: "src/app.ts",
        line: 12,
        col: 3,
        message: "'x' is never read",
      },
      { level: "notice", title: undefined, file: undefined, line: undefined, col: undefined, message: "lint took 2 s" },
    ],
  );
  const w = lint.annotations![0];
  const page = (
    await r.json<StepLinesResponse>(
      "GET",
      `/api/runs/${run.id}/jobs/lint/steps/${w.step}/lines?from=${w.logLine - 1}&limit=1`,
    )
  ).body;
  assert.equal(
    parseAnnotation(page.lines[0].text)?.message,
    "'x' is never read",
    "logLine points at the annotation's own line",
  );
  const failed = run.jobs.find((j) => j.id === "test (2)")!;
  assert.deepEqual(
    failed.annotations?.map((a) => [a.level, a.file, a.line, a.message]),
    [
      ["error", "test/app.test.ts", 40, "expected 2, got 3"],
      ["error", undefined, undefined, "Process completed with exit code 1."],
    ],
  );
  assert.equal(run.jobs.find((j) => j.id === "test (1)")!.annotations, undefined);
});

test("a re-run names the run it re-ran, and keeps its run-name title", async () => {
  const run = await deployed();
  const res = await r.json<WorkflowRun>("POST", `/api/runs/${run.id}/rerun`, { failedOnly: true });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.deepEqual(res.body.rerunOf, { runId: run.id, runNumber: run.number });
  const again = await r.waitCompleted(res.body.id);
  assert.equal(again.displayTitle, "Deploy web by ada to eu-west");
  assert.deepEqual(again.rerunOf, { runId: run.id, runNumber: run.number });
  assert.equal(again.attempt, 2);
  assert.equal(run.attempt, undefined, "a first attempt carries none");
});

test("a re-run is the next attempt: github.run_attempt and GITHUB_RUN_ATTEMPT count up along re-runs of re-runs", async () => {
  const run = await deployed();
  const second = await r.json<WorkflowRun>("POST", `/api/runs/${run.id}/rerun`, {});
  const two = await r.waitCompleted(second.body.id);
  const third = await r.json<WorkflowRun>("POST", `/api/runs/${two.id}/rerun`, {});
  const three = await r.waitCompleted(third.body.id);
  assert.deepEqual([two.attempt, three.attempt], [2, 3]);
  assert.deepEqual(three.rerunOf, { runId: two.id, runNumber: two.number });
  assert.match((await r.json<string>("GET", `/api/runs/${run.id}/logs?job=lint`)).body, /attempt 1 1\n/);
  assert.match((await r.json<string>("GET", `/api/runs/${three.id}/logs?job=lint`)).body, /attempt 3 3\n/);
});
