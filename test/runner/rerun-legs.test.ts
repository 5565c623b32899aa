/**
 * Re-runs at the granularity GitHub has (issue 25, item 4): re-run failed jobs runs only the
 * failed legs of a matrix (the legs that succeeded keep their result, shown reused) and the jobs
 * that need it; re-run of one job runs that job (or leg) and what needs it. A real runner on a
 * git copy of the dashboard fixture (deploy.yml: lint, a matrix test whose leg 2 fails, ship).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import type { WorkflowRun } from "../../src/contract/index.js";
import { STAX_BIN, startTestRunner, type TestRunner } from "../helpers/runner.js";
import { fixtureCopy } from "../helpers/temp.js";

let r: TestRunner;
before(async () => {
  r = await startTestRunner({ workspace: fixtureCopy("dashboard") });
});
after(() => r.close());

const rerun = async (run: WorkflowRun, body: Record<string, unknown>) => {
  const res = await r.json<WorkflowRun>("POST", `/api/runs/${run.id}/rerun`, body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return r.waitCompleted(res.body.id);
};
const shape = (run: WorkflowRun) =>
  Object.fromEntries(run.jobs.map((j) => [j.id, j.reusedFrom ? `reused ${j.conclusion}` : j.conclusion]));

let first: WorkflowRun | undefined;
const deployed = async () => (first ??= await r.runToEnd("deploy", { inputs: { target: "web" } }));

test("re-run failed jobs runs only the failed leg of a matrix and what needs its job; the leg that succeeded is reused", async () => {
  const run = await deployed();
  assert.deepEqual(shape(run), { lint: "success", "test (1)": "success", "test (2)": "failure", ship: "skipped" });
  const again = await rerun(run, { failedOnly: true });
  assert.deepEqual(shape(again), {
    lint: "reused success",
    "test (1)": "reused success",
    "test (2)": "failure",
    ship: "skipped",
  });
  assert.deepEqual(again.jobs.find((j) => j.id === "test (1)")?.reusedFrom, { runId: run.id, runNumber: run.number });
  assert.equal(
    again.jobs.find((j) => j.id === "test (1)")?.steps.every((s) => s.status !== "in_progress"),
    true,
  );
});

test("re-run of one job runs that job and what needs it; a leg named alone runs without its sibling legs", async () => {
  const run = await deployed();
  const lint = await rerun(run, { job: "lint" });
  // A matrix job kept whole shows as one reused job (its legs folded, JOB-10), as before this change.
  assert.deepEqual(shape(lint), { lint: "success", test: "reused failure", ship: "skipped" });
  const leg = await rerun(run, { job: "test (1)" });
  assert.deepEqual(shape(leg), {
    lint: "reused success",
    "test (1)": "success",
    "test (2)": "reused failure",
    ship: "skipped",
  });
  const missing = await r.json<{ error: { code: string } }>("POST", `/api/runs/${run.id}/rerun`, { job: "nope" });
  assert.equal(missing.body.error.code, "STEP_NOT_FOUND");
});

test("stax rerun --job runs that leg again and says what it reuses", async () => {
  const run = await deployed();
  // Not spawnSync: the runner lives in this process and must keep answering.
  const out = await new Promise<string>((done) => {
    const child = spawn(process.execPath, [STAX_BIN, "rerun", run.id, "--job", "test (2)"], {
      env: { ...process.env, RUNNER_URL: r.url, STAX_HOME: r.home, STAX_WORKSPACE: r.workspace, NO_COLOR: "1" },
    });
    let text = "";
    child.stdout.on("data", (d: Buffer) => (text += d.toString()));
    child.on("close", () => done(text));
  });
  assert.match(out, /running again: test, ship/);
  assert.match(out, /reused from run \d+ .*lint \(success\), test \(1\) \(success\)/);
  const id = /started run \d+ \((\w+)\)/.exec(out)![1];
  const again = await r.waitCompleted(id);
  assert.deepEqual(shape(again), {
    lint: "reused success",
    "test (1)": "reused success",
    "test (2)": "failure",
    ship: "skipped",
  });
});
