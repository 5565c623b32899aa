import type { Mount } from "./docker/context.js";
import type { Job, JobConclusion } from "../contract/index.js";
import type { Contexts, ExtraFunctions } from "../expressions/index.js";
import { hashFiles } from "../expressions/index.js";
import type { ActionDef, JobDef, LoadedWorkflow, StepDef, WorkflowDef } from "../workflow/index.js";
import type { RunOptions } from "./options.js";
import type { Checkouts } from "./job/checkouts.js";
import type { GithubContext } from "./context/github-context.js";
import type { Masker } from "./io/mask.js";
import type { Reporter } from "./report.js";

/** What a finished job leaves for the jobs that need it (JOB-06). */
export interface JobResult {
  result: JobConclusion;
  outputs: Record<string, string>;
}

/** Run-wide state shared by every job of one run. */
export interface RunRuntime {
  opts: RunOptions;
  reporter: Reporter;
  workflow: LoadedWorkflow;
  github: GithubContext;
  /** The base `runner` context (CTX-03); each job sets its own `temp`. */
  runner: Record<string, string>;
  vars: Record<string, string>;
  masker: Masker;
  /** Host environment steps inherit, without GITHUB_* and RUNNER_* variables of a parent runner. */
  hostEnv: Record<string, string>;
  cancelled: boolean;
  /** Second cancel: stop everything at once. */
  hardStop: boolean;
  /** Jobs running now, so a cancel reaches them. */
  activeJobs: Set<JobCancel>;
  grace: [number, number];
  /** Run notices not printed yet (RunOptions.notices). */
  notices: string[];
  /** The node binary JavaScript actions run on (ACT-01). */
  nodePath: string;
  /** Per-leg checkouts, when jobs are isolated (RunOptions.checkouts). */
  checkouts?: Checkouts;
}

export interface JobCancel {
  cancel(hard: boolean): void;
}

/** One workflow (top-level or a called reusable one) being scheduled: its own inputs, secrets, env. */
export interface GraphScope {
  def: WorkflowDef;
  workflow: LoadedWorkflow;
  inputs: Record<string, unknown>;
  secrets: Record<string, string>;
  /** `caller / ` prefix for job ids and names of a called workflow (RW-06). */
  idPrefix: string;
  namePrefix: string;
  /** For a called workflow: the top-level job that called it (each job's `callerId`). */
  caller?: string;
  /** Reusable nesting depth, 0 for the top level (RW-09). */
  depth: number;
  /** Where `./.github/workflows/…` of this workflow resolve: the workspace, or a called workflow's repository. */
  root?: string;
}

/** State of one job (or matrix leg) while it runs. */
export interface JobRuntime {
  run: RunRuntime;
  graph: GraphScope;
  def: JobDef;
  job: Job;
  /** GITHUB_WORKSPACE of this job: the workspace itself, or the leg's own checkout. */
  workspace: string;
  matrix: Record<string, unknown> | null;
  strategy: Record<string, unknown>;
  needs: Record<string, JobResult>;
  /** Job-wide env context: workflow env + job env + GITHUB_ENV writes so far (ENV-04). */
  env: Record<string, string>;
  /** GITHUB_PATH entries, newest first (FILE-05). */
  path: string[];
  masker: Masker;
  /** The job status the status functions read (STEP-04). */
  status: "success" | "failure" | "cancelled";
  /** Set when the job was cancelled by a timeout: it then concludes as failure (JOB-08). */
  timedOut: boolean;
  /** Post steps registered by actions, run in reverse order (ACT-06). */
  post: PostEntry[];
  /** RUNNER_TEMP of this job, emptied at its start (JOB-17). */
  temp: string;
  /** `$RUNNER_TEMP/_runner_file_commands` (FILE-01). */
  commandDir: string;
  /** The `runner` context; `temp` is this job's RUNNER_TEMP (CTX-03). */
  runner: Record<string, string>;
  /** Step debug (ACTIONS_STEP_DEBUG): shows `::debug::` lines (CMD-04). */
  debug: boolean;
  summaries: string[];
  /** The job's container (`container:`), when it has one: run steps execute in it. */
  container?: { id: string; network: string; shell: "bash" | "sh"; mounts: Mount[]; node: string };
  /** State saved by the `pre` steps, by the step they belong to (ACT-05). */
  preState: Map<StepDef, Record<string, string>>;
  /**
   * Remote actions loaded in this job, by folder: the pre steps and the main steps see the same
   * step objects, so the state a pre step of an action inside a composite saves reaches its main.
   */
  remoteActions: Map<string, ActionDef>;
  /** Evaluated `defaults.run` (job, else workflow), for the job's own run steps (ENV-08). */
  defaults: { shell?: string; workingDirectory?: string };
  /** Stops the process of the step running now, if any. */
  stopCurrent?: (hard: boolean) => void;
  /** Re-evaluates the running step's `if` under cancellation (STEP-20). */
  currentCondition?: () => boolean;
}

/** A post step registered by an action (or a composite holding actions with posts). */
export interface PostEntry {
  name: string;
  /** Evaluates `post-if` (default `always()`, ACT-07). */
  condition: () => boolean;
  run: (log: (line: string) => void) => Promise<"success" | "failure">;
}

/** Status functions of step-level `if`s, reading a status (the job's, or a composite's). */
export function stepStatusFunctions(workspace: string, status: () => "success" | "failure" | "cancelled", cancelled: () => boolean): ExtraFunctions {
  return {
    success: () => status() === "success" && !cancelled(),
    failure: () => status() === "failure" && !cancelled(),
    cancelled: () => cancelled(),
    always: () => true,
    hashFiles: (...patterns: string[]) => hashFiles(workspace, patterns),
  };
}

/** The contexts of job-level keys with a matrix (CTX-11 `J`). */
export function jobContexts(rt: JobRuntime): Contexts {
  return {
    github: rt.run.github,
    vars: rt.run.vars,
    inputs: rt.graph.inputs,
    needs: rt.needs,
    strategy: rt.strategy,
    matrix: rt.matrix,
  };
}
