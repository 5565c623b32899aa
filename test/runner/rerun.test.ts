import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { WorkflowRun } from "../../src/contract/index.js";
import { STAX_BIN, startTestRunner, type TestRunner } from "../helpers/runner.js";
import { tempDir } from "../helpers/temp.js";

let r: TestRunner;
before(async () => {
  r = await startTestRunner();
});
after(() => r.close());

const finished = (id: string): Promise<WorkflowRun> => r.waitCompleted(id);

test("re-run failed jobs: the failed job runs again, the successful upstream job is reused (not run) and its outputs still reach it", async () => {
  const flag = join(tempDir("stax-rerun-"), "ran-once");
  const first = await r.runToEnd("rerun", { env: { RERUN_FLAG: flag } });
  assert.deepEqual(
    first.jobs.map((j) => [j.id, j.conclusion]),
    [
      ["prepare", "success"],
      ["use", "failure"],
    ],
  );
  const stamp = first.jobs[0].outputs.stamp;
  assert.match(stamp, /^\d+-\d+$/);

  // Not spawnSync: the runner lives in this process and must keep answering.
  const cli = await new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, [STAX_BIN, "rerun", first.id, "--failed"], {
      env: { ...process.env, RUNNER_URL: r.url, STAX_HOME: r.home, STAX_WORKSPACE: r.workspace, NO_COLOR: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (status) => done({ status, stdout, stderr }));
  });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /^running again: use$/m);
  assert.match(
    cli.stdout,
    new RegExp(`^reused from run ${first.number} \\(not run again; outputs kept\\): prepare \\(success\\)$`, "m"),
  );
  const id = /started run \d+ \((\w+)\)/.exec(cli.stdout)![1];
  const second = await finished(id);
  assert.deepEqual(
    second.jobs.map((j) => [j.id, j.conclusion]),
    [
      ["prepare", "success"],
      ["use", "success"],
    ],
  );
  const prepare = second.jobs[0];
  assert.deepEqual(prepare.reusedFrom, { runId: first.id, runNumber: first.number });
  assert.deepEqual(prepare.steps, [], "the reused job ran no step");
  assert.equal(prepare.outputs.stamp, stamp);
  const log = (await r.json<string>("GET", `/api/runs/${id}/logs?job=use`)).body;
  assert.match(log, new RegExp(`stamp ${stamp}\\n`), "the reused job's output reached the job that needs it");
});
