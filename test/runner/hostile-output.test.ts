import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { WorkflowRun } from "../../src/contract/index.js";
import { spawnRunner, type ChildRunner } from "../helpers/runner.js";
import { tempDir } from "../helpers/temp.js";

/**
 * Runs `bash` as one step on a runner of its own process, asking `/health` one request after
 * another meanwhile: the slowest answer, the run, and the runner's peak memory (VmHWM, MiB).
 */
async function underLoad(
  name: string,
  script: string,
): Promise<{ worstMs: number; run: WorkflowRun; peakMiB: number; r: ChildRunner }> {
  const ws = tempDir(`stax-${name}-`);
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  writeFileSync(
    join(ws, ".github", "workflows", `${name}.yml`),
    `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n${script
      .split("\n")
      .map((l) => `          ${l}`)
      .join("\n")}\n`,
  );
  const r = await spawnRunner(tempDir("stax-home-"), ws);
  try {
    const res = await fetch(`${r.url}/api/runs`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ workflow: name }),
    });
    const { id } = (await res.json()) as WorkflowRun;
    let worstMs = 0;
    for (;;) {
      const t = performance.now();
      const ok = (await fetch(`${r.url}/health`)).ok;
      worstMs = Math.max(worstMs, performance.now() - t);
      assert.ok(ok);
      const run = (await (await fetch(`${r.url}/api/runs/${id}`)).json()) as WorkflowRun;
      if (run.status === "completed") {
        const peakMiB = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${r.child.pid}/status`, "utf8"))?.[1]) / 1024;
        return { worstMs, run, peakMiB, r };
      }
      await new Promise((res) => setTimeout(res, 20));
    }
  } finally {
    r.child.kill("SIGTERM");
    await r.exited;
  }
}

test("1M ::add-mask:: lines neither stall the runner nor grow it without bound: the step fails at the limit", async () => {
  const { worstMs, run, peakMiB } = await underLoad(
    "masks",
    `seq 1 1000000 | sed 's/.*/::add-mask::value-&-secret/'\necho done`,
  );
  console.log(`masks: /health worst ${worstMs.toFixed(0)} ms, runner VmHWM ${peakMiB.toFixed(0)} MiB`);
  assert.equal(run.conclusion, "failure");
  assert.ok(worstMs < 2000, `/health answered within 2 s (worst ${worstMs.toFixed(0)} ms)`);
  assert.ok(peakMiB < 600, `the runner stayed under 600 MiB (${peakMiB.toFixed(0)} MiB)`);
});

test("1M ::set-output lines and 200k GITHUB_OUTPUT lines neither stall the runner nor grow it without bound", async () => {
  const { worstMs, run, peakMiB } = await underLoad(
    "outputs",
    `seq 1 1000000 | sed 's/.*/::set-output name=k&::v/'\nseq 1 200000 | sed 's/.*/f&=v/' >> "$GITHUB_OUTPUT"\necho done`,
  );
  console.log(`outputs: /health worst ${worstMs.toFixed(0)} ms, runner VmHWM ${peakMiB.toFixed(0)} MiB`);
  assert.equal(run.conclusion, "failure", "past 100,000 names the step fails");
  assert.ok(worstMs < 2000, `/health answered within 2 s (worst ${worstMs.toFixed(0)} ms)`);
  assert.ok(peakMiB < 600, `the runner stayed under 600 MiB (${peakMiB.toFixed(0)} MiB)`);
});
