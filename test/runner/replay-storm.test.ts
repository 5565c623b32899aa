/**
 * Issue 24, item 5: replays are paced. The runner is a child process (`bin/stax runner start`,
 * the built bundle: `npm run build` first), so the clients here do not share its event loop.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { WorkflowRun } from "../../src/contract/index.js";
import { percentile, replayStorm } from "../helpers/replays.js";
import { spawnRunner } from "../helpers/runner.js";
import { tempDir, until } from "../helpers/temp.js";

const LINES = 300_000;
const CLIENTS = 40;

test("40 clients replaying a 300k-line run at once on a fresh runner leave /health answered within 600 ms (p99), and every replay completes", async () => {
  const ws = join(tempDir("stax-storm-"), "ws");
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  writeFileSync(
    join(ws, ".github", "workflows", "big.yml"),
    `on: push\njobs:\n  big:\n    runs-on: ubuntu-latest\n    steps:\n      - run: seq 1 ${LINES}\n`,
  );
  const r = await spawnRunner(tempDir("stax-home-"), ws);
  try {
    const created = (await (
      await fetch(`${r.url}/api/runs`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ workflow: "big" }),
      })
    ).json()) as WorkflowRun;
    const run = await until(
      "the big run to complete",
      async () => {
        const now = (await (await fetch(`${r.url}/api/runs/${created.id}`)).json()) as WorkflowRun;
        return now.status === "completed" ? now : undefined;
      },
      300_000,
      200,
    );
    assert.equal(run.conclusion, "success");
    const storm = await replayStorm(r.url, run.id, CLIENTS);
    const p99 = percentile(storm.healthMs, 99);
    const worst = Math.max(...storm.healthMs);
    console.log(
      `${CLIENTS} replays of ${LINES} lines: ${storm.seconds.toFixed(1)} s, ${(storm.bytesEach / 1e6).toFixed(1)} MB each; /health p50 ${percentile(storm.healthMs, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${worst.toFixed(1)} ms over ${storm.healthMs.length} requests`,
    );
    assert.equal(storm.complete, CLIENTS, "every replay reaches run.completed");
    // The target is p99 ≤ 100 ms (npm run bench: 30–160 ms for this first storm on a fresh
    // runner, 8–10 ms for the next); this bound holds on a loaded 2-core machine (up to 430 ms
    // seen at a load of 4–8). Before: /health went unanswered for seconds while the replays read
    // the store page after page; then 0.47–0.9 s while a fresh runner's first replay, whose socket
    // took every write at once, read the whole run in one turn of the event loop.
    assert.ok(p99 <= 600, `/health p99 ${p99.toFixed(0)} ms during the replays`);
    assert.ok(worst <= 1500, `/health took up to ${worst.toFixed(0)} ms during the replays`);
  } finally {
    r.child.kill("SIGTERM");
    await r.exited;
  }
});
