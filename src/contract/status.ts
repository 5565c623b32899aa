/**
 * The one status vocabulary of stax. Every part (engine, store, runner, CLI, dashboard)
 * uses these values; they follow GitHub's own names so users recognise them.
 */

/** Where a run, job or step is in its life. */
export type Status =
  /** Accepted, not started yet (a run waiting for the engine, a job waiting for its needs). */
  | "queued"
  /** Executing now. */
  | "in_progress"
  /** Finished; `conclusion` says how. */
  | "completed";

/** How a run or job finished. */
export type RunConclusion =
  /** Every job that ran succeeded (skipped jobs do not count). */
  | "success"
  /** A job failed, or the runner could not run the workflow (the reason is logged). */
  | "failure"
  /** Cancelled by a user, a fail-fast matrix or a timeout before it could finish. */
  | "cancelled";

/** How a job finished: a run conclusion, or never started because its `if` was false. */
export type JobConclusion = RunConclusion | "skipped";

/** How a step finished (`outcome` before continue-on-error, `conclusion` after). */
export type StepConclusion = JobConclusion;

export const STATUSES: readonly Status[] = ["queued", "in_progress", "completed"];
export const RUN_CONCLUSIONS: readonly RunConclusion[] = ["success", "failure", "cancelled"];
