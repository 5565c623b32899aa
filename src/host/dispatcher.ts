import { createHash } from "node:crypto";
import { RAN_ON_DEAD_COORDINATOR, type LegDispatcher, type LegOutcome, type LegRequest } from "../engine/index.js";
import type { Job, SSEEvent, StoredEvent, WorkerInfo } from "../contract/index.js";
import type { PgFleet, SecretVault, Store } from "../store/index.js";
import { errorMessage } from "../contract/index.js";

interface Pending {
  id: string;
  runId: string;
  onEvent: (e: SSEEvent) => void;
  resolve: (o: LegOutcome) => void;
  settled: boolean;
}

/** A leg's id: the same for the same job of the same run, so a front-end taking a run over finds the legs already sent. */
export function legId(workspace: string, runId: string, jobId: string): string {
  return createHash("sha256").update(`${workspace}\0${runId}\0${jobId}`).digest("hex").slice(0, 24);
}

/** How often running legs' leases are checked. */
const CHECK_MS = 1000;
/** Every this many checks, every pending leg's state is read too: a safety net under the `done` notifications. */
const POLL_EVERY = 10;

/**
 * The coordinator's side of many machines: each leg the engine hands out is queued in the fleet
 * tables with the run's source and its sealed secrets; the worker's job and step events come
 * back through the store's commit feed and are applied to the run; a leg whose worker's lease
 * lapses is reported lost (never retried: steps have side effects).
 */
export class FleetDispatcher implements LegDispatcher {
  private readonly pending = new Map<string, Pending>();
  private readonly byJob = new Map<string, Pending>();
  private readonly sources = new Map<string, { key: string; commit: string }>();
  /** Runs being taken over: the job and step events stored since their state was read, until their legs are followed again. */
  private readonly resuming = new Map<string, { after: number; events: StoredEvent[] }>();
  private readonly timer: NodeJS.Timeout;
  private checks = 0;

  constructor(
    private readonly fleet: PgFleet,
    private readonly store: Store,
    private readonly vault: SecretVault,
    /** Told when a leg was queued while no live worker has its labels (it waits for one). */
    private readonly onWaiting: (jobId: string, labels: string[]) => void = () => {},
    private readonly leaseMs = 30_000,
  ) {
    store.events.onCommit((batch) => {
      for (const e of batch) {
        if (e.type === "step.log" || !e.jobId) continue;
        const p = this.byJob.get(`${e.runId}\0${e.jobId}`);
        if (p) p.onEvent(e);
        else this.resuming.get(e.runId)?.events.push(e);
      }
    });
    fleet.listen((payload) => {
      if (payload.startsWith("done ")) void this.settle(payload.slice(5));
      else if (payload === "connected") for (const id of this.pending.keys()) void this.settle(id);
    });
    this.timer = setInterval(() => void this.check(), CHECK_MS);
    this.timer.unref();
  }

  /** Whether a job of a run is a leg this dispatcher handed to a worker and still follows. */
  follows(runId: string, jobId: string | undefined): boolean {
    return jobId !== undefined && this.byJob.has(`${runId}\0${jobId}`);
  }

  /** The source bundle of a run, made before its legs are dispatched. */
  setSource(runId: string, source: { key: string; commit: string } | undefined): void {
    if (source) this.sources.set(runId, source);
    else this.sources.delete(runId);
  }

  /**
   * A run is being taken over: from now until `resumed`, its job and step events that no leg
   * follows yet are kept, and a leg followed again first gets those stored after `after` (the
   * newest event the run's state was read with), so nothing between the two is lost.
   */
  resume(runId: string, after: number): void {
    this.resuming.set(runId, { after, events: [] });
  }

  resumed(runId: string): void {
    this.resuming.delete(runId);
    this.priorJobs.delete(runId);
  }

  /** Jobs of a run taken over as its event log showed them: those started without a leg ran on the dead coordinator itself. */
  private readonly priorJobs = new Map<string, Map<string, Job>>();

  /** A run taken over: its jobs as stored (see `dispatch`). */
  setPrior(runId: string, jobs: readonly Job[]): void {
    this.priorJobs.set(runId, new Map(jobs.map((j) => [j.id, j])));
  }

  /**
   * A job of a run taken over that had started but was never queued for a worker: the dead
   * coordinator ran it itself. Its steps are never run again (they may have had effects): one
   * that was over keeps its result and outputs, one that was running fails with the reason.
   */
  private ranOnCoordinator(runId: string, jobId: string): LegOutcome | undefined {
    const was = this.priorJobs.get(runId)?.get(jobId);
    if (!was || was.status === "queued") return undefined;
    if (was.status === "completed" && was.conclusion)
      return { kind: "finished", result: { result: was.conclusion, outputs: { ...was.outputs } } };
    return { kind: "lost", message: RAN_ON_DEAD_COORDINATOR };
  }

  /** The newest event id delivered to this dispatcher: a state read after it misses nothing `resume` keeps. */
  delivered(): number {
    return this.store.events.delivered();
  }

  dispatch(
    leg: LegRequest,
    onEvent: (e: SSEEvent) => void,
  ): { done: Promise<LegOutcome>; cancel(hard: boolean): void } {
    const id = legId(this.store.workspace, leg.runId, leg.job.id);
    let resolve!: (o: LegOutcome) => void;
    const done = new Promise<LegOutcome>((r) => (resolve = r));
    const p: Pending = { id, runId: leg.runId, onEvent, resolve, settled: false };
    const jobKey = `${leg.runId}\0${leg.job.id}`;
    this.pending.set(id, p);
    this.byJob.set(jobKey, p);
    const held = this.resuming.get(leg.runId);
    if (held) for (const e of held.events) if (e.jobId === leg.job.id && e.id > held.after) onEvent(e);
    void done.then(() => {
      this.pending.delete(id);
      if (this.byJob.get(jobKey) === p) this.byJob.delete(jobKey);
    });
    const source = this.sources.get(leg.runId);
    const { secrets, ...rest } = leg;
    if (this.abandoned.has(leg.runId)) this.finish(p, { kind: "lost", message: ABANDONED });
    else if (!source)
      this.finish(p, { kind: "lost", message: "stax: the run's source was not stored, so no worker can check it out" });
    else
      void (async () => {
        try {
          // Taken over: a job that started with no leg queued for it is not sent (ranOnCoordinator).
          const before = this.ranOnCoordinator(leg.runId, leg.job.id);
          if (before && !(await this.fleet.state(id))) return this.finish(p, before);
          const queued = await this.fleet.enqueue(id, {
            ...rest,
            workspace: this.store.workspace,
            source,
            sealedSecrets: this.vault.seal(secrets),
          });
          // Sent before this run was taken over: followed where it is now (running, or over).
          if (!queued) return void this.settle(id);
          const workers = await this.liveWorkers();
          if (workers && !workers.some((w) => !w.lost && leg.labels.every((l) => w.labels.includes(l))))
            this.onWaiting(leg.job.id, leg.labels);
        } catch (err) {
          this.finish(p, {
            kind: "lost",
            message: `stax: the job could not be queued for a worker: ${errorMessage(err)}`,
          });
        }
      })();
    return {
      done,
      cancel: (hard) => {
        // Another coordinator follows this leg now: only it may cancel it.
        if (this.abandoned.has(leg.runId)) return;
        void this.fleet
          .cancel(id, hard)
          .then((unclaimed) => unclaimed && this.finish(p, { kind: "cancelled" }))
          .catch(() => {});
      },
    };
  }

  private workerList: { at: number; list: Promise<WorkerInfo[] | undefined> } | undefined;

  /**
   * The workers, read once for the legs queued together (a 256-leg matrix asks 256 times in one
   * tick); undefined when the read failed: the leg is queued all the same, only the warning is lost.
   */
  private liveWorkers(): Promise<WorkerInfo[] | undefined> {
    if (!this.workerList || Date.now() - this.workerList.at > 1000)
      this.workerList = { at: Date.now(), list: this.fleet.workers(this.leaseMs).catch(() => undefined) };
    return this.workerList.list;
  }

  private finish(p: Pending, o: LegOutcome): void {
    if (p.settled) return;
    p.settled = true;
    p.resolve(o);
  }

  /** A leg changed state: when it is over, its outcome, once every event its worker stored was applied. */
  private async settle(id: string): Promise<void> {
    const p = this.pending.get(id);
    if (!p || p.settled) return;
    const s = await this.fleet.state(id).catch(() => undefined);
    if (!s || s.state === "queued" || s.state === "running") return;
    await this.store.events.caughtUp().catch(() => {});
    if (s.state === "done" && s.result) this.finish(p, { kind: "finished", result: s.result });
    else if (s.state === "cancelled") this.finish(p, { kind: "cancelled" });
    else
      this.finish(p, {
        kind: "lost",
        message: `stax: worker '${s.worker ?? "?"}' stopped answering: no heartbeat within its lease, so the job is marked failed (steps are never retried)`,
      });
  }

  private async check(): Promise<void> {
    const ids = [...this.pending.keys()];
    if (!ids.length) return;
    try {
      for (const lost of await this.fleet.lapse(ids)) void this.settle(lost.id);
      if (++this.checks % POLL_EVERY === 0) for (const id of ids) void this.settle(id);
    } catch {
      // the database is away: the next check tries again
    }
  }

  /**
   * This process lost the run's lease (another coordinator took it over): its legs are left to
   * the new coordinator. Every leg this dispatcher follows for the run ends here as lost, none is
   * sent or cancelled from now on, and nothing of the fleet tables is written for it.
   */
  abandon(runId: string): void {
    this.abandoned.add(runId);
    for (const p of [...this.pending.values()])
      if (p.runId === runId) this.finish(p, { kind: "lost", message: ABANDONED });
  }

  private readonly abandoned = new Set<string>();

  close(): void {
    clearInterval(this.timer);
  }
}

const ABANDONED =
  "stax: another coordinator took this run over while this one did not answer; it follows the job from now on";
