/**
 * GET /api/runs/:id for a run another process executes: the stored snapshot may trail the event
 * log by one write (the writer saves it just after the events), and a page subscribes with
 * `since=lastEventId`. Every event up to lastEventId must show in the run it is given.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { makeEvent, type Job, type RunSnapshot, type WorkflowRun } from "../../src/contract/index.js";
import { loadConfig, workspaceDataDir } from "../../src/config/config.js";
import { openStore, ownerName } from "../../src/store/index.js";
import { fixtureCopy, tempDir } from "../helpers/temp.js";
import { startTestRunner } from "../helpers/runner.js";

test("a run executed elsewhere is served with every event up to its lastEventId applied, though its stored snapshot lags", async () => {
  const home = tempDir("stax-home-");
  const workspace = fixtureCopy("runner-api");
  const dataDir = workspaceDataDir(loadConfig({ STAX_HOME: home }, { workspace }).home, workspace);
  const store = openStore(dataDir);
  const queued: Job = {
    id: "build",
    definitionId: "build",
    name: "build",
    status: "queued",
    needs: [],
    steps: [{ number: 1, name: "Run make", status: "queued" }],
    outputs: {},
  };
  const run: WorkflowRun = {
    id: "elsewhere",
    number: 1,
    workflow: "w",
    workflowFile: ".github/workflows/w.yml",
    status: "in_progress",
    jobs: [queued],
    createdAt: new Date().toISOString(),
    trigger: { event: "push", ref: "refs/heads/main", sha: "0" },
    inputs: {},
  };
  // Executed by a live process (this one, under another owner name): the runner must leave it alone.
  await store.queue.enqueue(run.id, { workflow: "w", event: "push" });
  await store.queue.claim(ownerName("stax-run"), 60_000, run.id);
  await store.events.append([makeEvent("run.started", { runId: run.id, run })]);
  await store.runs.save(run);
  // The writer appended the job's and step's start, and had not saved the snapshot yet.
  const started: Job = {
    ...queued,
    status: "in_progress",
    startedAt: new Date().toISOString(),
    steps: [{ number: 1, name: "Run make", status: "in_progress", startedAt: new Date().toISOString() }],
  };
  await store.events.append([
    makeEvent("job.started", { runId: run.id, jobId: "build", job: started }),
    makeEvent("step.started", { runId: run.id, jobId: "build", stepNumber: 1, step: started.steps[0] }),
  ]);
  await store.close();

  const r = await startTestRunner({ workspace, home });
  try {
    const got = await r.json<RunSnapshot>("GET", `/api/runs/${run.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.lastEventId, 3);
    assert.equal(got.body.jobs[0].status, "in_progress", "the job.started event (id 2 ≤ lastEventId) shows");
    assert.equal(got.body.jobs[0].steps[0].status, "in_progress", "and the step's start");
  } finally {
    await r.close();
  }
});
