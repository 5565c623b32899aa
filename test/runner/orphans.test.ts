import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import type { WorkflowRun } from "../../src/contract/index.js";
import { spawnRunner } from "../helpers/runner.js";
import { tempDir, until } from "../helpers/temp.js";
import { holdingWorkspace, marked } from "../helpers/orphans.js";

test(
  "after the runner stops on SIGTERM mid-job, none of the 150 processes the job's step left behind (setsid, double forks) is alive",
  { skip: !existsSync("/proc/self/environ") && "needs /proc (Linux)" },
  async () => {
    const { ws, mark, ready } = holdingWorkspace("bg.yml");
    const home = tempDir("stax-home-");
    const r = await spawnRunner(home, ws);
    try {
      const res = await fetch(`${r.url}/api/runs`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ workflow: "bg" }),
      });
      const run = (await res.json()) as WorkflowRun;
      assert.ok(run.id, JSON.stringify(run));
      await until("the step started its 150 sleeps", () => existsSync(ready) || undefined, 120_000);
      assert.ok(marked(mark).length >= 150, `${marked(mark).length} marked processes`);
      r.child.kill("SIGTERM");
      assert.equal(await r.exited, 0, r.output());
      assert.deepEqual(marked(mark), [], "none is alive after the runner stopped");
    } finally {
      for (const pid of marked(mark)) process.kill(pid, "SIGKILL");
      if (r.child.exitCode === null) r.child.kill("SIGKILL");
    }
  },
);
