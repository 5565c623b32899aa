import type { EventSink, SSEEvent, WorkflowRun } from "../contract/index.js";
import { errorMessage, upsertJob } from "../contract/index.js";
import type { Store } from "./store.js";

/**
 * Stores every event of the runs it is given: the events of one tick are appended as one batch.
 * A run's snapshot is saved with the batch that carries a run or job event of it, and otherwise
 * at most every `SNAPSHOT_EVERY_MS` (a step's events alone do not save it: saving the whole run
 * on every step cost more than the step, and grew with the job's length). A crash still loses
 * nothing that was reported: the stored events after the last snapshot are folded into it by
 * whoever reads the run (`withStoredEvents`, crash recovery). Batches are written one after the other, in order. Passes each event on to `next`
 * (e.g. the CLI's renderer) as it comes; subscribers get events from the store once committed.
 */
export class StoreRecorder implements EventSink {
  /** Snapshots of the runs in progress, kept here so each change costs no read. */
  private readonly live = new Map<string, WorkflowRun>();
  /** Runs changed since their snapshot was last saved. */
  private readonly dirty = new Set<WorkflowRun>();
  /** Dirty runs whose change was a run or job event: saved with the next whole batch. */
  private readonly urgent = new Set<WorkflowRun>();
  /** When each run's snapshot was last saved (ms, monotonic). */
  private readonly savedAt = new WeakMap<WorkflowRun, number>();
  private timer: NodeJS.Timeout | undefined;
  private pending: SSEEvent[] = [];
  private scheduled = false;
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly store: Store,
    private readonly next?: (e: SSEEvent) => void,
  ) {}

  /** Drops everything from now on: another process took the run over (its lease was lost). */
  fence(): void {
    this.fenced = true;
    this.pending = [];
    this.dirty.clear();
    this.urgent.clear();
    clearTimeout(this.timer);
  }

  private fenced = false;

  emit(event: SSEEvent): void {
    if (this.fenced) return;
    this.pending.push(event);
    if (event.type === "run.started" || event.type === "run.completed") {
      const run = structuredClone(event.data.run);
      if (event.type === "run.started") this.live.set(run.id, run);
      else {
        const old = this.live.get(run.id);
        if (old) {
          this.dirty.delete(old);
          this.urgent.delete(old);
        }
        this.live.delete(run.id);
      }
      this.dirty.add(run);
      this.urgent.add(run);
    } else if (event.type !== "step.log") this.snapshot(event);
    this.next?.(event);
    // A burst (a step printing fast) is written as it piles up, not at the tick's end: held for a
    // whole tick, hundreds of thousands of events would outlive the young generation of the heap.
    if (this.pending.length >= EARLY_BATCH) this.flush();
    else this.schedule();
  }

  /** A worker's job or step event, already stored: the run's snapshot follows it. */
  applyStored(event: SSEEvent): void {
    if (this.fenced) return;
    if (event.type === "step.log" || event.type === "run.started" || event.type === "run.completed") return;
    this.snapshot(event);
    this.schedule();
  }

  /** Resolves once everything emitted so far is committed; rejects if a write failed. */
  async idle(): Promise<void> {
    for (const run of this.dirty) this.urgent.add(run);
    this.flush();
    await this.writing;
    if (this.failure) throw this.failure;
  }

  private inFlight = false;

  /** The events and snapshots of this tick are written at its end, together. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    // One write at a time: what piles up meanwhile goes out as one batch when it is done (a
    // networked store's round trips then cost per batch, not per tick).
    if (this.inFlight) return;
    const batch = this.pending.length > MAX_BATCH ? this.pending.splice(0, MAX_BATCH) : this.pending;
    const whole = batch === this.pending;
    // Snapshots as they are now, with the events that made them: only with the batch that takes
    // the last of those events, so a snapshot never shows a run further on (say completed) than
    // the events stored so far (its last lines still to come).
    const runs = whole ? this.due().map((r) => structuredClone(r)) : [];
    if (!batch.length && !runs.length) return;
    if (whole) this.pending = [];
    this.inFlight = true;
    this.writing = (async () => {
      try {
        if (batch.length) await retrying(() => this.store.events.append(batch), RETRY_FOR_MS);
        for (const run of runs) await retrying(() => this.store.runs.save(run), RETRY_FOR_MS);
      } catch (err) {
        this.failure ??= err;
        console.error(`stax: storing events failed: ${errorMessage(err)}`);
      } finally {
        this.inFlight = false;
      }
      // What came meanwhile; the promise of this write settles after the writes it started.
      const self = this.writing;
      this.flush();
      if (this.writing !== self) await this.writing;
    })();
  }

  /** The dirty runs to save now (taken out of the dirty set); the others are saved when due. */
  private due(): WorkflowRun[] {
    const now = performance.now();
    const out: WorkflowRun[] = [];
    let wait = Infinity;
    for (const run of this.dirty) {
      const left = (this.savedAt.get(run) ?? -Infinity) + SNAPSHOT_EVERY_MS - now;
      if (this.urgent.has(run) || left <= 0) {
        out.push(run);
        this.dirty.delete(run);
        this.urgent.delete(run);
        this.savedAt.set(run, now);
      } else wait = Math.min(wait, left);
    }
    clearTimeout(this.timer);
    // Unref'd: a process that ends has called idle(), which saves every dirty run.
    if (wait < Infinity) this.timer = setTimeout(() => this.flush(), wait).unref();
    return out;
  }

  /** Applies a job or step change to the run's snapshot (runs this recorder saw start or adopted). */
  private snapshot(event: SSEEvent): void {
    const run = this.live.get(event.runId);
    if (!run || !applyToSnapshot(run, event)) return;
    this.dirty.add(run);
    if (event.type === "job.started" || event.type === "job.completed") this.urgent.add(run);
  }

  /** A run another process started, taken over here: its snapshot follows the events from now on. */
  adopt(run: WorkflowRun): void {
    this.live.set(run.id, structuredClone(run));
  }
}

/**
 * A run's snapshot after one of its events: run events replace the run's own fields, job and
 * step events the job or step they carry (each carries a whole copy, so applying an event twice
 * changes nothing). Returns whether the snapshot changed.
 */
export function applyToSnapshot(run: WorkflowRun, event: SSEEvent): boolean {
  if (event.type === "step.log") return false;
  if (event.type === "run.started" || event.type === "run.completed") {
    // The run's jobs as they started are older than the snapshot's; as it completed, the last word.
    const { jobs, ...fields } = structuredClone(event.data.run);
    Object.assign(run, fields, event.type === "run.completed" ? { jobs } : {});
    return true;
  }
  const jobId = event.data.jobId;
  if (event.type === "job.started" || event.type === "job.completed") {
    upsertJob(run, structuredClone(event.data.job));
    return true;
  }
  const job = run.jobs.find((j) => j.id === jobId);
  if (!job) return false;
  const i = job.steps.findIndex((s) => s.number === event.data.stepNumber);
  if (i >= 0) job.steps[i] = { ...event.data.step };
  else job.steps.push({ ...event.data.step });
  return true;
}

/** How long a run's step changes may wait for its snapshot to be saved (their events are stored at once). */
const SNAPSHOT_EVERY_MS = 1000;

/** Events that are written without waiting for the tick's end (when no write is in flight). */
const EARLY_BATCH = 8192;

/** Events in one write at most: a burst is stored in transactions of a bounded size. */
const MAX_BATCH = 50_000;

/** How long a write is retried while the store is away (a database restarting) before the run gives up on it. */
const RETRY_FOR_MS = 60_000;

/** Retries a write with backoff (100 ms doubling to 2 s) for up to `forMs`: while the store is away (a database restarting). */
export async function retrying<T>(write: () => Promise<T>, forMs: number): Promise<T> {
  const until = Date.now() + forMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
    }
  }
}
