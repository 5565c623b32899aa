/**
 * Issue 26: a run's snapshot is saved by its run and job events, not on every tick. Step events
 * alone no longer save the whole run (that cost more than a one-line step and grew with the job's
 * length), and crash recovery folds the events stored after the last snapshot into it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { makeEvent, type Job, type Step, type WorkflowRun } from "../../src/contract/index.js";
import { findRun } from "../../src/host/find-run.js";
import { openStore, recoverInterrupted, StoreRecorder, type Store } from "../../src/store/index.js";
import { newRun } from "../helpers/engine.js";

const STEPS = 300;
const tick = () => new Promise((r) => setImmediate(r));
const job = (status: Job["status"]): Job => ({
  id: "steps",
  definitionId: "steps",
  name: "steps",
  status,
  needs: [],
  steps: [],
  outputs: {},
});
const step = (n: number, status: Step["status"]): Step =>
  ({
    number: n,
    name: `Run true ${n}`,
    status,
    ...(status === "completed" ? { conclusion: "success", outcome: "success" } : {}),
  }) as Step;

/** A job of `steps` steps, one tick each (as the engine emits them), through a recorder counting snapshot saves. */
async function record(store: Store, steps: number): Promise<{ recorder: StoreRecorder; saves: () => number }> {
  let saves = 0;
  const runs = { ...store.runs, save: (run: WorkflowRun) => (saves++, store.runs.save(run)) };
  const recorder = new StoreRecorder({ ...store, runs } as Store);
  recorder.emit(makeEvent("run.started", { runId: "r", run: newRun() }));
  recorder.emit(makeEvent("job.started", { runId: "r", jobId: "steps", job: job("in_progress") }));
  for (let n = 1; n <= steps; n++) {
    recorder.emit(
      makeEvent("step.started", { runId: "r", jobId: "steps", stepNumber: n, step: step(n, "in_progress") }),
    );
    await tick();
    recorder.emit(makeEvent("step.log", { runId: "r", jobId: "steps", stepNumber: n, line: `step ${n}\n` }));
    recorder.emit(
      makeEvent("step.completed", { runId: "r", jobId: "steps", stepNumber: n, step: step(n, "completed") }),
    );
    await tick();
  }
  return { recorder, saves: () => saves };
}

test("300 steps of one job no longer save the run's whole snapshot on every tick: it is saved with run and job events and at most once a second", async () => {
  const dir = mkdtempSync(join(tmpdir(), "stax-snap-"));
  const store = openStore(dir);
  try {
    const t0 = performance.now();
    const { recorder, saves } = await record(store, STEPS);
    await recorder.idle();
    const seconds = (performance.now() - t0) / 1000;
    // run.started, job.started, the final idle() and one a second at most in between (before: ~600).
    assert.ok(
      saves() <= 3 + Math.ceil(seconds),
      `${saves()} snapshot saves for ${STEPS} steps in ${seconds.toFixed(1)} s`,
    );
    // Every event is stored, and the stored snapshot (saved by idle) is whole.
    assert.equal((await store.events.readSince(0, { runId: "r", noLogs: true })).length, 2 + 2 * STEPS);
    const saved = await store.runs.get("r");
    assert.equal(saved?.jobs[0].steps.length, STEPS);
    assert.ok(saved?.jobs[0].steps.every((s) => s.status === "completed"));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a crash between snapshots loses no step: recovery and readers fold the events stored after the last snapshot into it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "stax-snap-"));
  let store = openStore(dir);
  try {
    const { recorder } = await record(store, 20);
    // Wait for the events to be stored, not for idle() (which would save the snapshot): the process dies here.
    while (store.events.delivered() < 2 + 3 * 20) await new Promise((r) => setTimeout(r, 5));
    recorder.fence();
    const stale = await store.runs.get("r");
    assert.ok(
      (stale?.jobs[0].steps.length ?? 0) < 20,
      `the snapshot trails its step events (${stale?.jobs[0].steps.length} of 20 steps saved)`,
    );
    await store.close();
    store = openStore(dir);
    // A reader of the unfinished run (stax view, the API) sees every step its events reported.
    const read = await findRun(store, "r");
    assert.equal(read.jobs[0].steps.length, 20);
    assert.ok(read.jobs[0].steps.every((s) => s.conclusion === "success"));
    await recoverInterrupted(store, new Date());
    const recovered = await store.runs.get("r");
    assert.equal(recovered?.conclusion, "cancelled");
    const steps = recovered?.jobs[0].steps ?? [];
    assert.equal(steps.length, 20, "every step the stored events reported");
    assert.deepEqual(
      [...new Set(steps.map((s) => s.conclusion))],
      ["success"],
      "steps that completed before the crash keep their conclusion",
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
