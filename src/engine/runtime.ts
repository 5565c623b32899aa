import type { Mount } from "./docker/context.js";
import type { Job, JobConclusion } from "../contract/index.js";
import type { Contexts, ExtraFunctions } from "../expressions/index.js";
import { hashFiles, hashFilesKey } from "../expressions/index.js";
import type { JobDef, LoadedWorkflow, WorkflowDef } from "../workflow/index.js";
import {
  GITHUB_CACHE_LIMITS,
  type ActionSources,
  type ArtifactStore,
  type CacheLimits,
  type ProcessRecorder,
  type RunOptions,
  type SharedCache,
} from "./options.js";
import type { DockerEngine } from "./docker/engine.js";
import type { JobState } from "./job-state.js";
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
  /** What the run was started with: the planner (`plan/`) and the entry points read it; jobs read `services`. */
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
  /** Cancel, hard stop, the jobs a cancel reaches, the notices not printed yet: changed through its methods only. */
  flags: RunFlags;
  /** The size of the job outputs of the run's jobs so far, as GitHub sizes them (RUN_OUTPUTS_LIMIT). */
  outputBytes: number;
  grace: [number, number];
  /** The node binary JavaScript actions run on (ACT-01). */
  nodePath: string;
  /** Per-leg checkouts, when jobs are isolated (RunOptions.checkouts). */
  checkouts?: Checkouts;
  /** What every job's steps may use of `opts` (`jobServices`), one object for the run. */
  services: JobServices;
}

export interface JobCancel {
  cancel(hard: boolean): void;
}

/**
 * The run-wide flags every job reads, each change a named method (as `JobState`'s): a cancel
 * reaches every job running, and a job that starts after it is cancelled at once.
 */
export class RunFlags {
  private isCancelled = false;
  private isHard = false;
  private readonly active = new Set<JobCancel>();
  private readonly pending: string[];

  constructor(notices: readonly string[] = []) {
    this.pending = [...notices];
  }

  get cancelled(): boolean {
    return this.isCancelled;
  }

  /** A second cancel (or a hard one): everything stops at once. */
  get hardStop(): boolean {
    return this.isHard;
  }

  /** Cancels the run; `hard` by default when it was cancelled already (a second Ctrl-C). */
  cancel(hard = this.isCancelled): void {
    this.isHard ||= hard;
    this.isCancelled = true;
    for (const job of this.active) job.cancel(this.isHard);
  }

  /** A job started: a cancel reaches it from now on. Returns its release, for when it ends. */
  enter(job: JobCancel): () => void {
    this.active.add(job);
    if (this.isCancelled) job.cancel(this.isHard);
    return () => void this.active.delete(job);
  }

  /** The run's notices not printed yet, taken: the first job to start prints them. */
  takeNotices(): string[] {
    return this.pending.splice(0);
  }
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

/**
 * What a job's steps may use of the run's options: where actions, artifacts, caches and tools
 * come from and go, Docker, the process recorder. Jobs read these, never the options themselves.
 */
export interface JobServices {
  runId: string;
  /** The run's workspace: a job's GITHUB_WORKSPACE, unless the job gets a checkout of its own. */
  workspace: string;
  /** The run's temporary folder (its `_github_workflow/event.json` is mounted into job containers). */
  tempDir: string;
  actions?: ActionSources;
  artifacts?: ArtifactStore;
  cacheDir?: string;
  sharedCache?: SharedCache;
  cacheLimits: CacheLimits;
  /** RUNNER_TOOL_CACHE, where setup-node puts the Nodes it fetches. */
  toolCache?: string;
  docker?: DockerEngine;
  processes?: ProcessRecorder;
  /** `--platform` mappings of `runs-on` labels (runs-on.ts). */
  platforms: Record<string, string>;
  /** A HOME of each job's own for its steps (`STAX_PRIVATE_HOME`). */
  privateHome?: boolean;
  /** The host's whole environment, for stax's own npm calls (setup-node fetching a Node); steps get `RunRuntime.hostEnv`. */
  machineEnv: Record<string, string | undefined>;
}

/** The services of a run, made once per run (Docker's answer is kept per services object, docker/context.ts). */
export function jobServices(opts: RunOptions): JobServices {
  const { runId, workspace, tempDir, actions, artifacts, cacheDir, sharedCache, toolCache, docker, processes } = opts;
  return {
    runId,
    workspace,
    tempDir,
    actions,
    artifacts,
    cacheDir,
    sharedCache,
    cacheLimits: opts.cacheLimits ?? GITHUB_CACHE_LIMITS,
    toolCache,
    docker,
    processes,
    platforms: opts.platforms ?? {},
    machineEnv: opts.hostEnv,
    privateHome: opts.privateHome,
  };
}

/** What one job (or matrix leg) is started with, before its checkout and set-up; never changed. */
export interface JobStart {
  readonly run: RunRuntime;
  readonly graph: GraphScope;
  readonly def: JobDef;
  /** The job as the run shows it (the Reporter changes it, nothing else). */
  readonly job: Job;
  readonly matrix: Record<string, unknown> | null;
  readonly strategy: Record<string, unknown>;
  readonly needs: Record<string, JobResult>;
  /** RUNNER_TEMP of this job, emptied at its start (JOB-17). */
  readonly temp: string;
  /** `$RUNNER_TEMP/_runner_file_commands` (FILE-01). */
  readonly commandDir: string;
  /** `$RUNNER_TEMP/_github_workflow/event.json`, the event payload written at the job's start (CTX-02). */
  readonly eventPath: string;
  /** The `runner` context; `temp` is this job's RUNNER_TEMP (CTX-03). */
  readonly runner: Record<string, string>;
  /** Step debug (ACTIONS_STEP_DEBUG): shows `::debug::` lines (CMD-04). */
  readonly debug: boolean;
  readonly services: JobServices;
  /** Everything that changes while the job runs (env, PATH, status, masks, …), through its named methods. */
  readonly state: JobState;
}

/** The job's container (`container:`), when it has one: run steps execute in it. */
export interface JobContainer {
  id: string;
  network: string;
  shell: "bash" | "sh";
  mounts: Mount[];
  node: string;
  /** `--user` of its options: step scripts must then be readable by that user, not only by stax's. */
  user?: string;
}

/**
 * The job's network once `container:` or `services:` made one: Docker actions and `docker://`
 * steps join it (DOCK-01), and it is what `job.container` and `job.services` say (DOCK-02).
 */
export interface JobNetwork {
  network: string;
  container?: { id: string; network: string };
  /** Each service started: its id, network and published ports (container port → host port). */
  services: Record<string, { id: string; network: string; ports: Record<string, string> }>;
}

/** A job once set up (job.ts): its start, its workspace, its defaults and its container; never changed. */
export interface JobContext extends JobStart {
  /** GITHUB_WORKSPACE of this job: the workspace itself, or the leg's own checkout. */
  readonly workspace: string;
  /** Evaluated `defaults.run` (job, else workflow), for the job's own run steps (ENV-08). */
  readonly defaults: { shell?: string; workingDirectory?: string };
  readonly container?: JobContainer;
  /** RUNNER_TRACKING_ID of every process the job's steps start: what is left of them is killed when the job ends. */
  readonly trackingId: string;
  readonly jobNetwork?: JobNetwork;
}

/** A post step registered by an action (or a composite holding actions with posts). */
export interface PostEntry {
  name: string;
  /** Evaluates `post-if` (default `always()`, ACT-07). */
  condition: () => boolean;
  run: (log: (line: string) => void) => Promise<"success" | "failure">;
}

/**
 * Status functions of step-level `if`s, reading a status (the job's, or a composite's). hashFiles
 * takes a result computed `ahead` (without blocking) when there is one, else walks synchronously.
 */
export function stepStatusFunctions(
  workspace: string,
  status: () => "success" | "failure" | "cancelled",
  cancelled: () => boolean,
  ahead?: Map<string, string>,
): ExtraFunctions {
  return {
    success: () => status() === "success" && !cancelled(),
    failure: () => status() === "failure" && !cancelled(),
    cancelled: () => cancelled(),
    always: () => true,
    hashFiles: (...patterns: string[]) => ahead?.get(hashFilesKey(patterns)) ?? hashFiles(workspace, patterns),
  };
}

/**
 * The contexts of job-level keys with a matrix (CTX-11 `J`). Once the leg has its checkout
 * (`workspace`), `github.workspace` names it, as every path of the leg's contexts does.
 */
export function jobContexts(start: JobStart & { workspace?: string }): Contexts {
  return {
    github: {
      ...start.run.github,
      event_path: start.eventPath,
      ...(start.workspace ? { workspace: start.workspace } : {}),
    },
    vars: start.run.vars,
    inputs: start.graph.inputs,
    needs: start.needs,
    strategy: start.strategy,
    matrix: start.matrix,
  };
}
