/**
 * Issue 15's protections on a `stax worker` (another machine's steps): steps inherit the host's
 * allow-list only (never the worker's STAX_DATABASE_URL or STAX_SECRETS_KEY), a leg's temp folder
 * is 0700 with files 0600, and after kill -9 of a worker mid-step the next worker on the same work
 * folder kills the step's processes and removes the leg's folder.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { WorkflowRun } from "../../src/contract/index.js";
import { fixtureWorkspace } from "../helpers/engine.js";
import { api, finished, startFleet, type Fleet } from "../helpers/fleet.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { openStream } from "../helpers/runner.js";
import { tempDir } from "../helpers/temp.js";

const WORKSPACE = fixtureWorkspace("fleet");
const workDir = join(tempDir("stax-guard-"), "work");
let pg: TestPostgres;
let fleet: Fleet;

before(async () => {
  pg = await startPostgres();
  fleet = await startFleet({ databaseUrl: pg.url, workspace: WORKSPACE, frontEnds: 1, leaseSeconds: 5 });
  await fleet.startWorker("g1", ["--work-dir", workDir]);
});
after(async () => {
  await fleet?.stop();
  await pg?.stop();
});

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

test("a worker's steps inherit the host's allow-list, never the worker's database URL or secrets key; its leg temp folder is 0700 with files 0600", async () => {
  const [a] = fleet.frontEnds;
  const created = await api<WorkflowRun>(a, "POST", "/api/runs", { workflow: "guarded" });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const run = await finished(a, created.body.id);
  const log = (await api<string>(a, "GET", `/api/runs/${run.id}/logs`)).body;
  assert.equal(run.conclusion, "success", log);
  assert.match(log, /RUNNER_NAME=g1/, "the leg ran on the worker");
  for (const leak of ["STAX_", fleet.env.STAX_SECRETS_KEY, fleet.env.STAX_DATABASE_URL])
    assert.ok(!log.includes(leak), `a worker's step sees ${leak}`);
  for (const kept of ["PATH=", "HOME=", "GITHUB_WORKSPACE=", "RUNNER_TEMP="])
    assert.ok(log.includes(kept), `a worker's step sees ${kept}`);
  const modes = [...log.matchAll(/^(\d{3}) (\/.*)$/gm)].map((m) => m[1]);
  assert.deepEqual(modes, ["700", "700", "600", "600", "600"], log);
});

test("kill -9 of a worker mid-step: the next worker on the same work folder kills the step's processes and removes the leg's folder and its prepared sources", async () => {
  const [a] = fleet.frontEnds;
  const live = await openStream(a.url, "/api/events");
  let pids: number[] = [];
  try {
    const created = await api<WorkflowRun>(a, "POST", "/api/runs", { workflow: "orphan" });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const isPids = (f: { event: string; data: unknown }) =>
      f.event === "step.log" && /^pids \d+ \d+/.test((f.data as { line: string }).line);
    await live.waitFor(isPids, 30_000);
    pids = (live.frames().find(isPids)!.data as { line: string }).line.trim().split(" ").slice(1).map(Number);
    assert.ok(pids.every(alive));
    assert.equal(readdirSync(join(workDir, "legs")).length, 1, "the leg's folder is there while it runs");
    const prepared = readdirSync(join(workDir, "sources"));
    assert.equal(prepared.length, 1, "the worker's prepared sources are there while it runs");
    const g1 = fleet.workers.get("g1")!.child;
    const dead = new Promise((r) => g1.once("exit", r));
    g1.kill("SIGKILL");
    await dead;
    assert.ok(pids.some(alive), "the step outlived its worker (nothing else reaps it)");
    await fleet.startWorker("g2", ["--work-dir", workDir]);
    for (let i = 0; i < 100 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(pids.filter(alive), [], "the step's shell and its background sleep are gone");
    assert.deepEqual(
      existsSync(join(workDir, "legs")) ? readdirSync(join(workDir, "legs")) : [],
      [],
      "the dead worker's leg folder is removed",
    );
    assert.ok(
      !readdirSync(join(workDir, "sources")).includes(prepared[0]),
      "the dead worker's prepared sources are removed",
    );
    const run = await finished(a, created.body.id, 30_000);
    assert.equal(run.jobs[0].conclusion, "failure", "the lost leg fails within the lease");
  } finally {
    for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
    live.close();
  }
});
