import type { EventSink, SSEEvent, StoredEvent, WorkflowRun } from "../contract/index.js";
import type { Store } from "./store.js";

/**
 * Stores every event of a run: the event itself (batched by the store) and, for run/job/step
 * changes, the run snapshot, so a crash loses nothing that was reported. Passes each stored
 * event (with its id) on to `next`, e.g. the SSE hub.
 */
export class StoreRecorder implements EventSink {
  /** Snapshots of the runs in progress, kept here so each change costs no read. */
  private readonly live = new Map<string, WorkflowRun>();
  /** Runs changed in this tick: written once at its end, with the tick's batch of events. */
  private readonly dirty = new Set<WorkflowRun>();

  constructor(
    private readonly store: Store,
    private readonly next?: (e: StoredEvent) => void,
  ) {}

  emit(event: SSEEvent): void {
    const stored = this.store.appendEvent(event);
    if (event.type === "run.started" || event.type === "run.completed") {
      const run = structuredClone(event.data.run);
      if (event.type === "run.started") this.live.set(run.id, run);
      else {
        const old = this.live.get(run.id);
        if (old) this.dirty.delete(old);
        this.live.delete(run.id);
      }
      this.store.saveRun(run);
    } else if (event.type !== "step.log") this.snapshot(event);
    this.next?.(stored);
  }

  /** Applies a job or step change to the stored run snapshot. */
  private snapshot(event: Exclude<SSEEvent, { type: "step.log" | "run.started" | "run.completed" }>): void {
    const run = this.live.get(event.runId) ?? this.store.getRun(event.runId);
    if (!run) return;
    const jobId = event.data.jobId;
    if (event.type === "job.started" || event.type === "job.completed") {
      const i = run.jobs.findIndex((j) => j.id === jobId);
      // Copies: the event itself may still be waiting in the store's write batch.
      const job = structuredClone(event.data.job);
      if (i >= 0) run.jobs[i] = job;
      else run.jobs.push(job);
    } else {
      const job = run.jobs.find((j) => j.id === jobId);
      if (!job) return;
      const i = job.steps.findIndex((s) => s.number === event.data.stepNumber);
      if (i >= 0) job.steps[i] = { ...event.data.step };
      else job.steps.push({ ...event.data.step });
    }
    if (!this.live.has(run.id)) return this.store.saveRun(run);
    if (this.dirty.size === 0) setImmediate(() => this.saveDirty());
    this.dirty.add(run);
  }

  private saveDirty(): void {
    for (const run of this.dirty) this.store.saveRun(run);
    this.dirty.clear();
  }
}
