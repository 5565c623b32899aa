import type { Job, StepConclusion } from "../../contract/index.js";
import type { JobResult, RunRuntime } from "../runtime.js";
import { errorLines } from "../steps/run-process.js";

/**
 * The one "Set up job" step of a job that does not run its steps: failed, with the error lines
 * (masked), or skipped, with why. It replaces the steps that never ran.
 */
export function setupStep(run: RunRuntime, job: Job, conclusion: StepConclusion, lines: string[]): void {
  const { reporter } = run;
  if (job.status === "queued") reporter.jobStarted(job);
  const step = reporter.addStep(job, "Set up job");
  reporter.stepStarted(job, step);
  for (const line of lines) reporter.log(job, step, `${run.masker.mask(line)}\n`);
  reporter.stepCompleted(job, step, conclusion, conclusion);
}

/** A job that could not start: shown with a failed "Set up job" step that says why. */
export function failHolder(run: RunRuntime, holder: Job, message: string): JobResult {
  setupStep(run, holder, "failure", errorLines(message));
  run.reporter.jobCompleted(holder, "failure");
  return { result: "failure", outputs: {} };
}

/** A job whose runs-on this machine (or the fleet) cannot answer: skipped, with one "Set up job" line saying why. */
export function skipJob(run: RunRuntime, job: Job, why: string): JobResult {
  run.reporter.planSteps(job, [], false);
  setupStep(run, job, "skipped", [why]);
  run.reporter.jobCompleted(job, "skipped");
  return { result: "skipped", outputs: {} };
}
