import type { SSEEvent, WorkflowRun } from "../contract/index.js";

/**
 * What is stored of a run once some of its events could not be (a full disk): the run ends
 * `failure`, never `success`; so do the steps whose lines were lost and their jobs, and what
 * the stop cancelled (issue 24).
 */
export class Loss {
  /** `jobId\0stepNumber` of the steps whose lines were lost. */
  readonly steps = new Set<string>();
  readonly jobs = new Set<string>();

  /** Notes the steps of lost log lines. */
  lost(events: readonly SSEEvent[]): void {
    for (const e of events) {
      if (e.type !== "step.log") continue;
      this.steps.add(`${e.data.jobId}\0${e.data.stepNumber}`);
      this.jobs.add(e.data.jobId);
    }
  }

  /** The steps whose lines were lost, as `{ jobId, stepNumber }`. */
  stepRefs(): { jobId: string; stepNumber: number }[] {
    return [...this.steps].map((k) => {
      const [jobId, n] = k.split("\0");
      return { jobId, stepNumber: Number(n) };
    });
  }

  private stepFailed(jobId: string, step: { number: number; conclusion?: string }): boolean {
    return (
      step.conclusion === "cancelled" || (step.conclusion === "success" && this.steps.has(`${jobId}\0${step.number}`))
    );
  }

  private jobFailed(job: { id: string; conclusion?: string }): boolean {
    return job.conclusion === "cancelled" || (job.conclusion === "success" && this.jobs.has(job.id));
  }

  /** The run's snapshot, failed where it lost events (changed in place). */
  failRun(run: WorkflowRun): WorkflowRun {
    if (run.status === "completed") run.conclusion = "failure";
    for (const j of run.jobs) {
      for (const s of j.steps)
        if (this.stepFailed(j.id, s)) Object.assign(s, { outcome: "failure", conclusion: "failure" });
      if (this.jobFailed(j)) j.conclusion = "failure";
    }
    return run;
  }

  /** An event as it is stored once events were lost. */
  event(e: SSEEvent): SSEEvent {
    if (e.type === "step.completed" && this.stepFailed(e.data.jobId, e.data.step))
      return { ...e, data: { ...e.data, step: { ...e.data.step, outcome: "failure", conclusion: "failure" } } };
    if (e.type === "job.completed" && this.jobFailed(e.data.job)) {
      const job = structuredClone(e.data.job);
      for (const s of job.steps)
        if (this.stepFailed(job.id, s)) Object.assign(s, { outcome: "failure", conclusion: "failure" });
      job.conclusion = "failure";
      return { ...e, data: { ...e.data, job } };
    }
    if (e.type === "run.completed")
      return { ...e, data: { ...e.data, run: this.failRun(structuredClone(e.data.run)) } };
    return e;
  }
}
