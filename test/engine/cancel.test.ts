import assert from "node:assert/strict";
import { test } from "node:test";
import { runFixture, stepConclusions } from "../helpers/engine.js";

test("JOB-15 cancel: a step ignoring SIGINT and SIGTERM is killed, always() steps still run, waiting jobs are cancelled", async () => {
  const t0 = Date.now();
  const r = await runFixture("cancel", "cancel.yml", {
    killGraceSeconds: [0.3, 0.3],
    onStart: (handle, events) => {
      const timer = setInterval(() => {
        if (events.some((e) => e.type === "step.log" && e.data.line === "started\n")) {
          clearInterval(timer);
          handle.cancel();
        }
      }, 20);
    },
  });
  assert.ok(Date.now() - t0 < 15_000, "the sleeping step did not run to its end");
  assert.equal(r.run.conclusion, "cancelled");
  assert.deepEqual(stepConclusions(r.job("long")), ["cancelled", "skipped", "success"]);
  assert.match(r.log, /cleanup ran\n/);
  assert.equal(r.job("waiting").conclusion, "cancelled");
});

test("STEP-08 a step timeout fails the step with GitHub's message and later always() steps run", async () => {
  const r = await runFixture("cancel", "timeout.yml", { killGraceSeconds: [0.2, 0.2] });
  assert.deepEqual(stepConclusions(r.job("slow")), ["failure", "success"]);
  assert.match(r.log, /has timed out after 0\.02 minutes/);
});
