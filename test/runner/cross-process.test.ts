/**
 * One store, two processes: a runner's SSE subscribers see, live, the events an in-process
 * `stax run --local` commits to the same store, in id order with no gap and no duplicate.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import type { WorkflowRun } from "../../src/contract/index.js";
import { fixtureWorkspace } from "../helpers/engine.js";
import { openStream, spawnRunner, STAX_BIN } from "../helpers/runner.js";
import { tempDir } from "../helpers/temp.js";

const WORKSPACE = fixtureWorkspace("runner-api");

test("a runner streams live the events of a `stax run --local` in another process: every line within 1 s of being printed (median ≤ 200 ms), ids without gap or duplicate, and its cancel stops that run", async () => {
  const home = tempDir("stax-xproc-");
  const r = await spawnRunner(home, WORKSPACE);
  const local = spawn(process.execPath, [STAX_BIN, "run", "ticker", "--local", "--workspace", WORKSPACE], {
    env: { ...process.env, STAX_HOME: home, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Listened for from the start: the process may end before the test gets to wait for it.
  const closed = new Promise<number | null>((res) => local.once("close", res));
  try {
    const live = await openStream(r.url, "/api/events");
    const delays: number[] = [];
    let runId = "";
    await live.waitFor((f) => {
      if (f.event === "step.log") {
        const m = /^tick (\d+) (\d+)/.exec((f.data as { line: string }).line);
        if (m) delays.push(Date.now() - Number(m[2]));
        runId = (f.data as { runId: string }).runId;
        return delays.length >= 40;
      }
      return false;
    });
    const cancelled = await fetch(`${r.url}/api/runs/${runId}/cancel`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    assert.equal(cancelled.status, 200);
    await live.waitFor((f) => f.event === "run.completed");
    const exit = await closed;
    assert.equal(exit, 1);
    delays.sort((a, b) => a - b);
    assert.ok(delays[delays.length - 1] < 1000, `slowest line took ${delays[delays.length - 1]} ms`);
    assert.ok(delays[delays.length >> 1] <= 200, `median delay ${delays[delays.length >> 1]} ms`);

    const seen = live.events().filter((e) => e.runId === runId);
    const replay = await openStream(r.url, `/api/events?runId=${runId}&since=0`);
    await replay.waitFor((f) => f.event === "run.completed");
    const all = replay.events();
    const fromFirstSeen = all.filter((e) => e.id >= seen[0].id).map((e) => e.id);
    assert.deepEqual(
      seen.map((e) => e.id),
      fromFirstSeen,
      "live ids are exactly the stored ones from where it joined: no gap, no duplicate",
    );
    const run = all.find((e) => e.type === "run.completed")!.data as { run: WorkflowRun };
    assert.equal(run.run.conclusion, "cancelled");
    live.close();
    replay.close();
  } finally {
    local.kill("SIGKILL");
    r.child.kill("SIGTERM");
    await r.exited;
  }
});
