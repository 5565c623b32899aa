/**
 * Replays are paced (issue 24): `/health` round trips while 40 clients replay a finished
 * 300k-line run from 0 at once, against `/health` on the idle runner. The runner is the built
 * `bin/stax runner start` in its own process.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WorkflowRun } from "../src/contract/index.js";
import { percentile, replayStorm } from "../test/helpers/replays.js";
import { spawnRunner } from "../test/helpers/runner.js";

type Row = { name: string; value: string };

const LINES = 300_000;
const CLIENTS = 40;

export async function benchReplays(): Promise<Row[]> {
  const root = mkdtempSync(join(tmpdir(), "stax-bench-replays-"));
  const ws = join(root, "ws");
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  writeFileSync(
    join(ws, ".github", "workflows", "big.yml"),
    `on: push\njobs:\n  big:\n    runs-on: ubuntu-latest\n    steps:\n      - run: seq 1 ${LINES}\n`,
  );
  const r = await spawnRunner(join(root, "home"), ws);
  try {
    const post = await fetch(`${r.url}/api/runs`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ workflow: "big" }),
    });
    const { id } = (await post.json()) as WorkflowRun;
    for (
      let run: WorkflowRun | undefined;
      run?.status !== "completed";
      await new Promise((res) => setTimeout(res, 200))
    )
      run = (await (await fetch(`${r.url}/api/runs/${id}`)).json()) as WorkflowRun;
    const idle = await replayStorm(r.url, id, 0);
    // Twice: the first storm meets a runner that has not served a replay yet (it reads and
    // encodes every page once); the second finds the run's pages in memory.
    const storms = [await replayStorm(r.url, id, CLIENTS), await replayStorm(r.url, id, CLIENTS)];
    const figures = (h: number[]) =>
      `p99 ${percentile(h, 99).toFixed(1)} ms, p50 ${percentile(h, 50).toFixed(1)} ms, max ${Math.max(...h).toFixed(1)} ms over ${h.length} requests`;
    return storms.map((storm, i) => ({
      name: `/health during ${CLIENTS} full replays of a ${LINES / 1000}k-line run${i ? ", again" : ""}`,
      value: `${figures(storm.healthMs)} (target p99 ≤ 100 ms; idle: ${percentile(idle.healthMs, 50).toFixed(1)} ms); ${storm.complete}/${CLIENTS} replays complete, ${(storm.bytesEach / 1e6).toFixed(1)} MB each, in ${storm.seconds.toFixed(1)} s`,
    }));
  } finally {
    r.child.kill("SIGTERM");
    await r.exited;
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchReplays()) console.log(`  ${r.name}  ${r.value}`);
}
