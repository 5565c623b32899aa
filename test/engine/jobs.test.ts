import assert from "node:assert/strict";
import { test } from "node:test";
import { conclusions, runFixture, stepConclusions } from "../helpers/engine.js";

test("JOB-02..07 a needs graph: outputs, results, skips that cascade, failure() and always() jobs", async () => {
  const r = await runFixture("jobs", "needs.yml");
  assert.deepEqual(conclusions(r.run), {
    build: "success",
    test: "success",
    flaky: "failure",
    "after-flaky": "success",
    broken: "failure",
    "skipped-by-failure": "skipped",
    cascade: "skipped",
    "on-failure": "success",
    "always-last": "success",
    disabled: "skipped",
  });
  assert.equal(r.run.conclusion, "failure");
  assert.deepEqual(r.job("build").outputs, { artifact: "app-1.0.tgz" }, "JOB-09 empty outputs are dropped");
  assert.deepEqual(r.job("test").needs, ["build"]);
});

test("JOB-07 a job with continue-on-error does not fail the run", async () => {
  const r = await runFixture("jobs", "needs.yml", { jobs: ["after-flaky"] });
  assert.deepEqual(conclusions(r.run), { flaky: "failure", "after-flaky": "success" });
  assert.equal(r.run.conclusion, "success");
});

test("JOB-11 the job fails on a failed step; STEP-04 success(), failure() and always() read the job status", async () => {
  const r = await runFixture("steps", "steps.yml", { jobs: ["conditions"] });
  assert.deepEqual(stepConclusions(r.job("conditions")), [
    "success",
    "success",
    "success",
    "skipped",
    "failure",
    "skipped",
    "success",
    "success",
  ]);
  assert.equal(r.job("conditions").steps[1].outcome, "failure", "STEP-06 outcome before continue-on-error");
  assert.equal(r.job("conditions").conclusion, "failure");
  assert.match(r.jobLog("conditions"), /##\[error\]Process completed with exit code 1\.\n/);
});

test("events: every job and step starts before it completes, logs sit between, step numbers start at 1", async () => {
  const r = await runFixture("jobs", "needs.yml", { jobs: ["test"] });
  const types = r.events.map(
    (e) => `${e.type}${e.jobId ? ` ${e.jobId}` : ""}${e.stepNumber ? ` ${e.stepNumber}` : ""}`,
  );
  assert.equal(types[0], "run.started");
  assert.equal(types.at(-1), "run.completed");
  assert.ok(types.indexOf("job.started build") < types.indexOf("step.started build 1"));
  assert.ok(types.indexOf("step.completed build 1") < types.indexOf("job.completed build"));
  assert.ok(types.indexOf("job.completed build") < types.indexOf("job.started test"));
  for (const e of r.events) if (e.type === "step.log") assert.ok(e.data.line.endsWith("\n"));
  const started = r.events.find((e) => e.type === "step.started");
  assert.equal(started?.type === "step.started" && started.data.stepNumber, 1);
});

test("JOB-09: a job whose output expression throws fails with an error line naming the output's evaluation, not silently", async () => {
  const r = await runFixture("jobs", "bad-output.yml");
  assert.equal(r.job("build").conclusion, "failure");
  assert.match(r.jobLog("build"), /##\[error\]Error when evaluating 'outputs' for job 'build': .*/, r.jobLog("build"));
  assert.match(r.jobLog("after"), /result=failure/);
});
