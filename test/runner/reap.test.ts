import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { workspaceDataDir } from "../../src/config/config.js";
import type { WorkflowRun } from "../../src/contract/index.js";
import { processRecorder, reapProcessGroups } from "../../src/host/process-groups.js";
import { spawnRunner } from "../helpers/runner.js";
import { tempDir, until } from "../helpers/temp.js";

/** Alive and not a zombie (a reparented zombie waits for an init that may never reap it). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

test("after kill -9 of the runner mid-step and a restart, no process the step started is left, not even one that moved to a session of its own", async () => {
  const ws = tempDir("stax-reap-");
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  // The step's folder is a checkout of its own (each job leg gets one): the pids go to the test's folder by its path.
  writeFileSync(
    join(ws, ".github", "workflows", "bg.yml"),
    `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          sleep 300 &\n          a=$!\n          setsid sleep 300 &\n          echo "$$ $a $!" > "${join(ws, "pids")}"\n          wait\n`,
  );
  const home = tempDir("stax-home-");
  let r = await spawnRunner(home, ws);
  let pids: number[] = [];
  try {
    const res = await fetch(`${r.url}/api/runs`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ workflow: "bg" }),
    });
    const run = (await res.json()) as WorkflowRun;
    const file = join(ws, "pids");
    // The file is complete once it holds three pids and a newline (echo may be caught half-written).
    pids = await until(
      "the step's pids",
      () => {
        const text = existsSync(file) ? readFileSync(file, "utf8") : "";
        return text.endsWith("\n") ? text.trim().split(" ").map(Number) : undefined;
      },
      10_000,
      25,
    );
    assert.equal(pids.length, 3);
    const dataDir = workspaceDataDir(home, ws);
    assert.equal((statSync(join(dataDir, "runner.json")).mode & 0o777).toString(8), "600");
    assert.equal((statSync(dataDir).mode & 0o777).toString(8), "700");

    r.child.kill("SIGKILL");
    await r.exited;
    r = await spawnRunner(home, ws);
    for (let i = 0; i < 100 && pids.some(alive); i++) await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual(
      pids.filter(alive),
      [],
      "the step's shell, its background sleep and the one in its own session are gone",
    );
    const after = (await (await fetch(`${r.url}/api/runs/${run.id}`)).json()) as WorkflowRun;
    assert.equal(after.conclusion, "cancelled");
  } finally {
    for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
    r.child.kill("SIGTERM");
    await r.exited;
  }
});

test("a job's mark, recorded before its first step, lets the next start reap what a crash left even when no process group was recorded yet", async () => {
  const dataDir = tempDir("stax-reap-mark-");
  const trackingId = `stax_${randomUUID()}`;
  // A step's process as a crash right after its spawn leaves it: carrying the job's mark, its group not recorded.
  const orphan = spawn("sleep", ["300"], {
    env: { ...process.env, RUNNER_TRACKING_ID: trackingId },
    detached: true,
    stdio: "ignore",
  });
  orphan.unref();
  try {
    processRecorder(dataDir, "run1").jobStarted(trackingId);
    await reapProcessGroups(dataDir, () => true);
    assert.ok(alive(orphan.pid!), "a run still owned elsewhere is left alone");
    await reapProcessGroups(dataDir, () => false);
    await until("the orphan's end", () => (alive(orphan.pid!) ? undefined : true), 5_000, 20);
    assert.deepEqual(readdirSync(join(dataDir, "pgroups")), [], "the mark is forgotten once reaped");
  } finally {
    if (alive(orphan.pid!)) process.kill(orphan.pid!, "SIGKILL");
  }
});
