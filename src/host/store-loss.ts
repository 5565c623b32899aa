import { errorMessage, type EventSink, type SSEEvent, type WorkflowRun } from "../contract/index.js";

type StepRef = { jobId: string; stepNumber: number };

/**
 * Between a run's engine and its recorder: when the store refuses the run's events for good (a
 * full disk, a database that stays away), the run is stopped and ends `failure`, never
 * `success`: its log is no longer whole, and a success would claim what was not stored (issue 24).
 *
 * `lost` writes a line saying why and where into each step that lost lines and each step under
 * way (or the last step seen), then `stop` cancels the run (the run manager also shows a run
 * that ended already as failed). The recorder stores the run, the steps that lost lines, what
 * the stop cancelled and their jobs as failed (`Loss` in src/store/loss.ts); the engine's own
 * objects keep what they had.
 */
export class StoreLossGuard implements EventSink {
  private reason?: string;
  private readonly open = new Map<string, StepRef>();
  private last?: StepRef;
  private runId = "";
  /** Until a loss, the run as it is; after, as the recorder stores it (failed where it lost lines). */
  private failRun = (run: WorkflowRun): WorkflowRun => run;
  /** The run as last passed on (with `run.completed`: as it ended), for a final save that failed. */
  finalRun?: WorkflowRun;

  constructor(
    private readonly next: EventSink,
    private readonly stop: () => void,
  ) {}

  get failed(): boolean {
    return this.reason !== undefined;
  }

  emit(event: SSEEvent): void {
    this.runId = event.runId;
    if (event.type === "step.started") {
      const ref = { jobId: event.data.jobId, stepNumber: event.data.stepNumber };
      this.open.set(`${ref.jobId}\0${ref.stepNumber}`, ref);
      this.last = ref;
    }
    if (event.type === "step.completed") this.open.delete(`${event.data.jobId}\0${event.data.stepNumber}`);
    if (event.type === "run.completed") this.finalRun = this.failRun(structuredClone(event.data.run));
    this.next.emit(event);
  }

  applyStored(event: SSEEvent): void {
    this.next.applyStored?.(event);
  }

  /** The store refused a batch for good: says so in the log of the steps that lost lines (and those under way) and stops the run (once). */
  lost(err: unknown, where: string, lostSteps: StepRef[], failRun: (run: WorkflowRun) => WorkflowRun): void {
    if (this.reason) return;
    this.failRun = failRun;
    this.reason = `stax: storing this run's events failed for good (${errorMessage(err)}; the store: ${where}); lines may be missing from the log, so the run is stopped and failed`;
    const steps = new Map([...lostSteps, ...this.open.values()].map((s) => [`${s.jobId}\0${s.stepNumber}`, s]));
    if (!steps.size && this.last) steps.set("", this.last);
    for (const s of steps.values()) {
      const data = { runId: this.runId, jobId: s.jobId, stepNumber: s.stepNumber, line: `${this.reason}\n` };
      this.next.emit({ type: "step.log", runId: this.runId, jobId: s.jobId, stepNumber: s.stepNumber, data });
    }
    console.error(`${this.reason} (run ${this.runId})`);
    if (this.finalRun) this.finalRun = failRun(this.finalRun);
    this.stop();
  }
}
