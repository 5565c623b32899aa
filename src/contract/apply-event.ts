import type { SSEEvent } from "./events.js";
import { upsertJob, type Job, type WorkflowRun } from "./model.js";

type StepEvent = Extract<SSEEvent, { type: "step.started" | "step.completed" }>;

/** A step event applied to its job: the step's whole copy replaces the one of its number (applied again, it changes nothing). */
export function applyStepEvent(job: Job, event: StepEvent): void {
  const i = job.steps.findIndex((s) => s.number === event.data.stepNumber);
  if (i >= 0) job.steps[i] = { ...event.data.step };
  else job.steps.push({ ...event.data.step });
}

/**
 * A stored event applied to a run's snapshot (the recorder's live snapshots, a run's stored state
 * brought up to its events): each event carries a whole copy of what it changed, so one applied
 * again changes nothing. Returns whether the run changed (log lines change none).
 */
export function applyStoredEvent(run: WorkflowRun, event: SSEEvent): boolean {
  if (event.type === "step.log") return false;
  if (event.type === "run.started" || event.type === "run.completed") {
    // The run's jobs as they started are older than the snapshot's; as it completed, the last word.
    const { jobs, ...fields } = structuredClone(event.data.run);
    Object.assign(run, fields, event.type === "run.completed" ? { jobs } : {});
    return true;
  }
  if (event.type === "job.started" || event.type === "job.completed") {
    upsertJob(run, structuredClone(event.data.job));
    return true;
  }
  const job = run.jobs.find((j) => j.id === event.data.jobId);
  if (!job) return false;
  applyStepEvent(job, event);
  return true;
}
