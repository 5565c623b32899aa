import assert from "node:assert/strict";
import { test } from "node:test";
import { runFixture, stepConclusions } from "../helpers/engine.js";

test("ENV-01/02/05 and VAR-01: env precedence, outer references, default variables", async () => {
  const r = await runFixture("steps", "steps.yml", { jobs: ["env"] });
  assert.deepEqual(stepConclusions(r.job("env")), ["success", "success", "success", "success"], r.log);
});

test("STEP-11/12/14 bash with pipefail, sh, python, a custom {0} shell and working-directory", async () => {
  const r = await runFixture("steps", "steps.yml", { jobs: ["shells"] });
  assert.deepEqual(stepConclusions(r.job("shells")), ["success", "success", "success", "success", "success"], r.log);
  assert.match(r.log, /python ok\n/);
  assert.match(r.log, /custom-shell-output\n/, "STEP-12 the script file is passed as {0}");
});

test("STEP-19 display names: name, Run <first line>, Run <uses>", async () => {
  const r = await runFixture("steps", "steps.yml", { jobs: ["conditions"] });
  assert.equal(r.job("conditions").steps[0].name, 'Run echo "v=1" >> "$GITHUB_OUTPUT"');
  assert.equal(r.job("conditions").steps[2].name, "STEP-06 outcome and conclusion");
});

test("CMD-01..10 workflow commands, MASK-01 secrets and add-mask values never printed", async () => {
  const r = await runFixture("commands", "commands.yml", {
    secrets: { TOKEN: "s3cr3t-token", MULTI: "first-line\nsecond-line" },
  });
  assert.equal(r.run.conclusion, "success", r.log);
  assert.match(r.log, /##\[group\]My group\ninside\n##\[endgroup\]\n/);
  assert.match(r.log, /##\[warning\]\(app\.js#L3\) careful\n/);
  assert.match(r.log, /##\[error\]bad thing\n/);
  assert.match(r.log, /##\[notice\]fyi\n/);
  assert.doesNotMatch(r.log, /hidden/, "CMD-04 debug is off without ACTIONS_STEP_DEBUG");
  assert.match(r.log, /the password is \*\*\*\n/);
  assert.match(r.log, /again \*\*\*\n/);
  assert.match(r.log, /token=\*\*\*\n/);
  for (const secret of ["s3cr3t-token", "first-line", "second-line", "hunter2-value"])
    assert.ok(!r.log.includes(secret), `${secret} leaked`);
  assert.doesNotMatch(r.log, /set-output name=answer/, "processed commands are not echoed");
  assert.match(r.log, /::set-output name=ignored::yes\n/, "CMD-08 commands are printed, not run, while stopped");
  assert.match(r.log, /The `set-env` command is disabled/);
});

test("FILE-03..08 environment files: heredocs, GITHUB_ENV, GITHUB_PATH order, summaries, a malformed heredoc", async () => {
  const r = await runFixture("files", "files.yml");
  assert.equal(r.run.conclusion, "success", r.log);
  assert.match(r.log, /Unable to process file command 'output' successfully/);
  assert.match(r.log, /delimiter/i);
  assert.match(r.run.jobs[0].summary ?? "", /^## Summary of /m, "FILE-08 the job summary is kept on the job");
});
