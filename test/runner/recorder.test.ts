/**
 * The store recorder under a burst of log lines: they are written as they pile up, not held until
 * the tick ends (which kept hundreds of thousands of events alive at once), and none is lost or
 * reordered.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { applyStoredEvent, makeEvent, type Job, type WorkflowRun } from "../../src/contract/index.js";
import { openStore, type Store } from "../../src/store/index.js";
import { StoreRecorder } from "../../src/store/recorder.js";
import { newRun } from "../helpers/engine.js";

test("a burst of log lines within one tick is stored while it piles up, every line once and in order", async () => {
  const store = openStore(mkdtempSync(join(tmpdir(), "stax-recorder-")));
  try {
    const recorder = new StoreRecorder(store);
    for (let i = 1; i <= 20_000; i++)
      recorder.emit(makeEvent("step.log", { runId: "r", jobId: "j", stepNumber: 1, line: `line ${i}\n` }));
    assert.ok(store.events.delivered() >= 8192, `stored before the tick ended: ${store.events.delivered()}`);
    await recorder.idle();
    const lines = await store.logs.all("r");
    assert.deepEqual(
      lines.map((l) => l.line),
      Array.from({ length: 20_000 }, (_, i) => `line ${i + 1}\n`),
    );
  } finally {
    await store.close();
  }
});

test("a run's snapshot is never stored ahead of its events: shown completed only once its last line is stored, even when a burst is written in parts", async () => {
  const store = openStore(mkdtempSync(join(tmpdir(), "stax-recorder-")));
  try {
    const savedAt: { status: string; stored: number }[] = [];
    const runs = {
      ...store.runs,
      save: async (run: WorkflowRun) => (
        savedAt.push({ status: run.status, stored: await store.events.highWater() }),
        store.runs.save(run)
      ),
    };
    const recorder = new StoreRecorder({ ...store, runs } as Store);
    const run = newRun();
    recorder.emit(makeEvent("run.started", { runId: "r", run }));
    const lines = 120_000;
    for (let i = 1; i <= lines; i++)
      recorder.emit(makeEvent("step.log", { runId: "r", jobId: "j", stepNumber: 1, line: `line ${i}\n` }));
    recorder.emit(
      makeEvent("run.completed", { runId: "r", run: { ...run, status: "completed", conclusion: "success" } }),
    );
    await recorder.idle();
    const completed = savedAt.filter((s) => s.status === "completed");
    assert.ok(completed.length > 0, "the completed snapshot was stored");
    for (const s of completed)
      assert.equal(s.stored, lines + 2, `stored as completed with ${s.stored} of ${lines + 2} events`);
  } finally {
    await store.close();
  }
});

test("MAT-11: a run folded from its events shows matrix legs and called jobs in place of their placeholders, and the jobs it completed with", () => {
  const job = (id: string, status: Job["status"] = "queued"): Job => ({
    id,
    definitionId: id.replace(/ \(.*/, ""),
    name: id,
    status,
    needs: [],
    steps: [],
    outputs: {},
  });
  const run: WorkflowRun = {
    id: "r",
    number: 1,
    workflow: "w",
    workflowFile: "w.yml",
    status: "in_progress",
    jobs: [job("build"), job("call"), job("collect")],
    createdAt: "",
    trigger: { event: "push", ref: "refs/heads/main", sha: "0" },
    inputs: {},
  };
  const started = (j: Job) => makeEvent("job.started", { runId: "r", jobId: j.id, job: j });
  for (const id of ["build (1)", "build (2)", "call / a", "call / b (x)", "build (3)"])
    applyStoredEvent(run, started(job(id, "in_progress")));
  assert.deepEqual(
    run.jobs.map((j) => j.id),
    ["build (1)", "build (2)", "build (3)", "call / a", "call / b (x)", "collect"],
  );
  applyStoredEvent(run, started(job("build (2)", "completed")));
  assert.equal(run.jobs[1].status, "completed");
  const final = [job("build (1)", "completed"), job("collect", "completed")];
  applyStoredEvent(
    run,
    makeEvent("run.completed", {
      runId: "r",
      run: { ...run, status: "completed", conclusion: "success", jobs: final },
    }),
  );
  assert.equal(run.status, "completed");
  assert.deepEqual(run.jobs, final);
});

test("a run that completes while a refused write is being retried (a full disk) is stored completed and failed, not as the older in-progress snapshot that write carried", async () => {
  const store = openStore(mkdtempSync(join(tmpdir(), "stax-recorder-")));
  try {
    // The disk is full until the recorder gives the first write up for good; then there is room.
    let full = true;
    const events = {
      ...store.events,
      append: (batch: Parameters<Store["events"]["append"]>[0]) =>
        full ? Promise.reject(new Error("database or disk is full")) : store.events.append(batch),
    };
    const recorder = new StoreRecorder({ ...store, events } as Store, undefined, () => (full = false));
    const run = newRun();
    recorder.emit(makeEvent("run.started", { runId: "r", run }));
    recorder.emit(makeEvent("step.log", { runId: "r", jobId: "j", stepNumber: 1, line: "lost\n" }));
    // The first write (with the in-progress snapshot) is now being retried; the run ends meanwhile.
    await new Promise((r) => setTimeout(r, 200));
    recorder.emit(
      makeEvent("run.completed", { runId: "r", run: { ...run, status: "completed", conclusion: "success" } }),
    );
    await recorder.idle().catch(() => undefined); // rejects: a write failed for good
    await recorder.idle().catch(() => undefined);
    const stored = await store.runs.get("r");
    assert.equal(stored?.status, "completed", JSON.stringify(stored));
    assert.equal(stored?.conclusion, "failure", "a run that lost lines is never stored a success");
  } finally {
    await store.close();
  }
});
