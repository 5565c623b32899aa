import type { Annotation } from "./annotations.js";
import type { JobConclusion, RunConclusion, Status, StepConclusion } from "./status.js";

/** One step of a job as users see it: workflow steps, then `Post …` steps. Numbers start at 1. */
export interface Step {
  number: number;
  name: string;
  status: Status;
  /** After continue-on-error. */
  conclusion?: StepConclusion;
  /** Before continue-on-error. */
  outcome?: StepConclusion;
  startedAt?: string;
  completedAt?: string;
  /** A `run:` step's script as the workflow writes it (`${{ }}` not evaluated), for the log viewer. */
  script?: string;
}

/** A job of a run. A matrix leg is a job of its own, id `<job> (<v1>, <v2>)`. */
export interface Job {
  /** Unique in the run: the job id, a matrix leg id, or `caller / callee` for reusable workflows. */
  id: string;
  /**
   * The job definition this job or matrix leg runs, named as the run names it: `build` for the
   * legs `build (1)` and `build (2)`, `call / build` for the job `build` of a workflow that the
   * job `call` calls. The legs of one definition share it; `needs` name definitions this way.
   */
  definitionId: string;
  /** For a job of a called workflow: the top-level job that called it, directly or through nested calls (`call`). */
  callerId?: string;
  name: string;
  status: Status;
  conclusion?: JobConclusion;
  needs: string[];
  matrix?: Record<string, unknown>;
  steps: Step[];
  outputs: Record<string, string>;
  /** The job summary: every step's GITHUB_STEP_SUMMARY markdown, joined, masked. */
  summary?: string;
  /** Set when a re-run of failed jobs did not run this job again: its conclusion and outputs are those of that run. */
  reusedFrom?: { runId: string; runNumber: number };
  /** Its `::error::`, `::warning::` and `::notice::` lines, in order, at most `MAX_ANNOTATIONS_PER_JOB`. */
  annotations?: Annotation[];
  startedAt?: string;
  completedAt?: string;
}

/** What started a run. */
export interface Trigger {
  event: string;
  ref: string;
  sha: string;
  /** `github.actor`. */
  actor?: string;
  /** The first line of the head commit's message, when git gave one. */
  commitSubject?: string;
}

/** One execution of one workflow file. */
export interface WorkflowRun {
  id: string;
  /** 1, 2, 3 … per workspace. */
  number: number;
  /** The workflow's `name:`, else its file path. */
  workflow: string;
  /** Path of the workflow file relative to the workspace. */
  workflowFile: string;
  status: Status;
  conclusion?: RunConclusion;
  jobs: Job[];
  createdAt: string;
  startedAt?: string;
  completedAt?: string;
  trigger: Trigger;
  inputs: Record<string, unknown>;
  /** The workflow's `run-name:` evaluated (github, inputs, vars), else the workflow's name, as GitHub's `display_title`. */
  displayTitle?: string;
  /** For a re-run: the run it re-ran (GitHub counts these as attempts of one run; stax links them both ways). */
  rerunOf?: { runId: string; runNumber: number };
  /** GitHub's `run_attempt`: 1, and one more than the run it re-ran for a re-run (absent: 1). */
  attempt?: number;
}

/** A position in a workflow or action file, 1-based. */
export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** `file:line:col: message`, the format every tool prints. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.message}`;
}

/**
 * Puts a job event's copy of a job into a run's list. A job the list lacks was added after the
 * run started: a matrix leg (`build (1)`) or a called workflow's job (`call / build`). It takes
 * the place of its placeholder (`build`, `call`: the longest id it extends), as the run's own
 * list does; without one it follows the last job of its top-level job, else it goes last.
 */
export function upsertJob(run: WorkflowRun, job: Job): void {
  const jobs = run.jobs;
  const at = jobs.findIndex((j) => j.id === job.id);
  if (at >= 0) {
    jobs[at] = job;
    return;
  }
  let holder = -1;
  for (const [i, j] of jobs.entries()) {
    if (
      (job.id.startsWith(`${j.id} (`) || job.id.startsWith(`${j.id} / `)) &&
      (holder < 0 || j.id.length > jobs[holder].id.length)
    )
      holder = i;
  }
  if (holder >= 0) {
    jobs[holder] = job;
    return;
  }
  const family = topJob(job.id);
  let after = jobs.length - 1;
  while (after >= 0 && topJob(jobs[after].id) !== family) after--;
  if (after >= 0) jobs.splice(after + 1, 0, job);
  else jobs.push(job);
}

/** The workflow's own job a job id belongs to: `build` of `build (1)` and of `build / test`. */
const topJob = (id: string): string => /^[^ ]*/.exec(id)![0];
