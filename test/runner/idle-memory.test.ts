/**
 * An idle runner gives back the memory its last runs' logs left (src/host/idle-memory.ts). The
 * runner is a child process as users start it (`bin/stax runner start`, the built bundle), so
 * its memory is its own: read from /proc.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { WorkflowRun } from "../../src/contract/index.js";
import { api, finished } from "../helpers/fleet.js";
import { spawnRunner } from "../helpers/runner.js";
import { tempDir, until } from "../helpers/temp.js";

/** The process's anonymous resident memory (heap, buffers, malloc), in MB. */
const anonMb = (pid: number): number =>
  Number(/RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

test("after a run that printed 1M lines and the download of its log, an idle runner gives most of that memory back within seconds", async () => {
  const ws = join(tempDir("stax-idle-"), "ws");
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  writeFileSync(
    join(ws, ".github", "workflows", "big.yml"),
    "on: push\njobs:\n  big:\n    runs-on: ubuntu-latest\n    steps:\n      - run: seq 1 1000000\n",
  );
  const r = await spawnRunner(tempDir("stax-home-"), ws);
  try {
    const created = (await api<WorkflowRun>(r, "POST", "/api/runs", { workflow: "big" })).body;
    assert.equal((await finished(r, created.id, 300_000)).conclusion, "success");
    const log = await (await fetch(`${r.url}/api/runs/${created.id}/logs`)).text();
    assert.ok(log.includes("\n1000000\n") || log.includes(" 1000000\n"), "the whole log was served");
    const busy = anonMb(r.child.pid!);
    // Measured: ~300-350 MB right after, ~70 MB once collected; before, it stayed as it was.
    const idle = await until(
      () =>
        `the idle runner's memory to drop under half of ${busy.toFixed(0)} MB (now ${anonMb(r.child.pid!).toFixed(0)} MB)`,
      () => (anonMb(r.child.pid!) < busy / 2 ? anonMb(r.child.pid!) : undefined),
      30_000,
      250,
    );
    console.log(`idle runner: ${busy.toFixed(0)} MB after the run and its log, ${idle.toFixed(0)} MB once idle`);
  } finally {
    r.child.kill("SIGTERM");
    await r.exited;
  }
});
