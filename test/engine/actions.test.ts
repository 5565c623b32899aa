import assert from "node:assert/strict";
import { test } from "node:test";
import { runFixture, stepConclusions } from "../helpers/engine.js";

test("ACT-02/03/06 a local JavaScript action: INPUT_*, outputs, state handed to its post step", async () => {
  const r = await runFixture("actions", "actions.yml", { jobs: ["local"] });
  const job = r.job("local");
  assert.equal(job.conclusion, "success", r.log);
  assert.match(
    r.log,
    /hello mona \(push\) from the workspace\n/,
    "ACT-04 input defaults see github; ACT-02 cwd is the workspace",
  );
  assert.match(r.log, /stax: using the built-in actions\/checkout/);
  const names = job.steps.map((s) => s.name);
  assert.deepEqual(
    names.slice(-2),
    ["Post outer composite", "Post js action"],
    "ACT-06 posts run last registered first",
  );
  assert.match(r.log, /post sees state mona\n/);
  assert.match(r.log, /post sees state composite\n/, "COMP-10 posts of actions inside a composite");
});

test("COMP-04/05/08 nested composites: own steps scope, outputs, GITHUB_ENV job-wide, GITHUB_ACTION_PATH", async () => {
  const r = await runFixture("actions", "actions.yml", { jobs: ["local"] });
  assert.match(r.log, /inner got nested-x at .*\/composite\n/);
  assert.deepEqual(stepConclusions(r.job("local")).slice(0, 5), [
    "success",
    "success",
    "success",
    "success",
    "success",
  ]);
});

test("a missing local action, an uncached remote action and a container job fail with a message naming what is missing", async () => {
  const r = await runFixture("actions", "actions.yml", { jobs: ["missing", "remote", "docker"] });
  assert.equal(r.job("missing").conclusion, "failure");
  assert.match(
    r.jobLog("missing"),
    /Can't find 'action\.yml', 'action\.yaml' or 'Dockerfile' under '.*does-not-exist'/,
  );
  assert.equal(r.job("remote").conclusion, "failure");
  assert.match(r.jobLog("remote"), /Action 'some-owner\/some-action@v1' is not available offline/);
  assert.match(r.jobLog("remote"), /stax actions add some-owner\/some-action@v1/);
  assert.equal(r.job("docker").conclusion, "failure");
  assert.match(
    r.jobLog("docker"),
    /job 'docker' \('container: node:20'\) needs a Docker engine; none answers at \/var\/run\/docker\.sock/,
  );
  assert.deepEqual(
    r.job("docker").steps.map((s) => [s.name, s.conclusion]),
    [
      ["Initialize containers", "failure"],
      ["Run echo never", "skipped"],
    ],
  );
});
