/**
 * Issue 21, item 1: a `stax run` on a shared PostgreSQL store coordinates its run in its own
 * process; stalled past its lease (SIGSTOP, with a lease of 2 s), a front-end takes the run over
 * and finishes it. Once the stalled process resumes it must record nothing more of the run: before
 * launchRun it ignored its heartbeat's answer, so two coordinators wrote one run (its jobs and
 * `run.completed` again, after the run had ended).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import type { StoredEvent } from "../../src/contract/index.js";
import { fixtureWorkspace } from "../helpers/engine.js";
import { finished, startFleet, type Fleet } from "../helpers/fleet.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { openStream, STAX_BIN } from "../helpers/runner.js";
import { tempDir } from "../helpers/temp.js";

const WORKSPACE = fixtureWorkspace("fleet");
let pg: TestPostgres;
let fleet: Fleet;

before(async () => {
  pg = await startPostgres();
  fleet = await startFleet({ databaseUrl: pg.url, workspace: WORKSPACE, frontEnds: 1, leaseSeconds: 2 });
  await fleet.startWorker("w1", ["--concurrency", "2"]);
});
after(async () => {
  await fleet?.stop();
  await pg?.stop();
});

/** Every stored event of a run, replayed from the start by a front-end. */
async function storedEvents(url: string, runId: string): Promise<StoredEvent[]> {
  const s = await openStream(url, `/api/events?since=0&runId=${runId}`);
  // The replay reaches the run's end, and whatever a second coordinator wrote after it comes right behind.
  await s.waitFor((f) => f.event === "run.completed", 30_000);
  await new Promise((r) => setTimeout(r, 1_000));
  s.close();
  return s.events().filter((e) => e.runId === runId);
}

const until = async (what: string, ok: () => boolean, ms: number): Promise<void> => {
  for (const t = Date.now(); !ok(); await new Promise((r) => setTimeout(r, 50)))
    if (Date.now() - t > ms) throw new Error(`timed out waiting for ${what}`);
};

test("a stax run on PostgreSQL stalled past its lease and taken over by a front-end records nothing more of the run once it resumes", async () => {
  const [survivor] = fleet.frontEnds;
  const child = spawn(process.execPath, [STAX_BIN, "run", "relay", "--local", "--workspace", WORKSPACE], {
    env: { ...process.env, ...fleet.env, STAX_HOME: tempDir("stax-run-stalled-") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  try {
    // The first job runs on the worker; its line comes back to `stax run` through the store.
    await until("the first job's line", () => /first on /.test(out), 60_000);
    child.kill("SIGSTOP");
    await until("the take-over", () => /took over run \d+ \(\w+\)/.test(survivor.output()), 60_000);
    const runId = /took over run \d+ \((\w+)\)/.exec(survivor.output())![1];
    const run = await finished(survivor, runId, 90_000);
    assert.equal(run.conclusion, "success", out);
    const before = await storedEvents(survivor.url, runId);
    assert.equal(before.filter((e) => e.type === "run.completed").length, 1);

    child.kill("SIGCONT");
    const code = await Promise.race([exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 60_000))]);
    assert.notEqual(code, "hung", `the resumed stax run ended:\n${out}`);
    // Whatever the resumed process still had in flight was written by now, had it written anything.
    await new Promise((r) => setTimeout(r, 2_000));
    const later = await storedEvents(survivor.url, runId);
    const added = later.filter((e) => !before.some((b) => b.id === e.id));
    assert.deepEqual(
      added.map((e) => `${e.type} ${e.jobId ?? ""}`),
      [],
      `nothing recorded after the take-over:\n${out}`,
    );
    assert.match(out, /was taken over by a front-end while this process did not answer/);
    assert.equal(
      (await finished(survivor, runId)).conclusion,
      "success",
      "the run stays as its new coordinator finished it",
    );
  } finally {
    child.kill("SIGCONT");
    child.kill("SIGKILL");
  }
});
