import type { EventSink, SSEEvent, WorkflowRun } from "../contract/index.js";
import { applyStoredEvent, errorMessage } from "../contract/index.js";
import type { Store } from "./store.js";
import { Loss } from "./loss.js";

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
  /** Set at the first write that failed for good: what the run lost, and how it is stored from then on. */
  private loss?: Loss;
  /** Log lines emitted since a write failed for good (kept up to HOLD_AFTER_LOSS). */
  private linesAfterLoss = 0;

  constructor(
    private readonly store: Store,
    private readonly next?: (e: SSEEvent) => void,
    /** Called once, at the first write that failed for good, with the steps whose lines were lost: the run must not end as if all was stored. */
    private readonly onLost?: (
      err: unknown,
      steps: { jobId: string; stepNumber: number }[],
      failRun: (run: WorkflowRun) => WorkflowRun,
    ) => void,
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

  emit(emitted: SSEEvent): void {
    if (this.fenced) return;
    const event = this.loss ? this.loss.event(emitted) : emitted;
    // Once lines were lost the run is being stopped: what it still prints is kept up to a bound.
    if (this.loss && event.type === "step.log" && ++this.linesAfterLoss > HOLD_AFTER_LOSS) return;
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
        console.error(`stax: storing events failed: ${errorMessage(err)}`);
        if (!this.loss) {
          // The first batch refused for good is lost, and the log lines waiting behind it (a
          // burst may be millions): the run is told, and stops (store-loss.ts in the server).
          // The job and step changes are kept, and the run, the steps that lost lines and their
          // jobs are stored failed from now on.
          const loss = (this.loss = new Loss());
          this.failure = err;
          loss.lost(batch);
          loss.lost(this.pending);
          this.pending = [...batch, ...this.pending].filter((e) => e.type !== "step.log").map((e) => loss.event(e));
          for (const run of this.dirty) loss.failRun(run);
          this.onLost?.(err, loss.stepRefs(), (run) => loss.failRun(run));
        } else {
          // What came after the loss (the line saying why, the steps, jobs and run ending
          // failed) is few events: kept, in order, and written once the store takes writes again.
          this.pending = [...batch, ...this.pending];
          await new Promise((r) => setTimeout(r, 1000));
        }
        // The batch's snapshots are saved with a later one, failed where events were lost; a run
        // that changed meanwhile (say completed while this write was retried) is saved as it is
        // now, never as this older snapshot after the newer one.
        for (const run of runs) {
          const newer = this.live.get(run.id) ?? [...this.dirty].find((d) => d.id === run.id);
          this.dirty.add(this.loss.failRun(newer ?? run));
        }
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
    if (!run || !applyStoredEvent(run, event)) return;
    this.dirty.add(run);
    if (event.type === "job.started" || event.type === "job.completed") this.urgent.add(run);
  }

  /** A run another process started, taken over here: its snapshot follows the events from now on. */
  adopt(run: WorkflowRun): void {
    this.live.set(run.id, structuredClone(run));
  }
}

/** How long a run's step changes may wait for its snapshot to be saved (their events are stored at once). */
const SNAPSHOT_EVERY_MS = 1000;

/** Events that are written without waiting for the tick's end (when no write is in flight). */
const EARLY_BATCH = 8192;

/** Events kept for a later write once a write has failed for good: the stopped run's last few, not another burst. */
const HOLD_AFTER_LOSS = 10_000;

/** Events in one write at most: a burst is stored in transactions of a bounded size. */
const MAX_BATCH = 50_000;

/** How long a write is retried while the store is away (a database restarting) before the run gives up on it. */
const RETRY_FOR_MS = 60_000;

/** How long a write refused for want of space is retried: a full disk rarely empties by itself, and the run waits meanwhile. */
const DISK_FULL_RETRY_MS = 5000;

/** Whether a store error says the disk (or the database's) is full: SQLite's SQLITE_FULL, ENOSPC, PostgreSQL's disk_full (53100). */
export function diskFull(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  return (
    e?.code === "SQLITE_FULL" ||
    e?.code === "ENOSPC" ||
    e?.code === "53100" ||
    /disk is full|no space left/i.test(String(e?.message ?? ""))
  );
}

/**
 * Retries a write with backoff (100 ms doubling to 2 s) for up to `forMs`: while the store is
 * away (a database restarting); a full disk for `DISK_FULL_RETRY_MS` only.
 */
export async function retrying<T>(write: () => Promise<T>, forMs: number): Promise<T> {
  const started = Date.now();
  const until = started + forMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (Date.now() > until || (diskFull(err) && Date.now() > started + DISK_FULL_RETRY_MS)) throw err;
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
    }
  }
}
