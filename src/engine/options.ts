import type { EventSink, LegResult, LegSpec, SSEEvent, WorkflowRun } from "../contract/index.js";
import type { LoadedWorkflow } from "../workflow/index.js";
import type { ActionFetcher } from "./actions/action-fetch.js";
import type { CheckoutOptions } from "./job/checkouts.js";
import type { DockerEngine } from "./docker/engine.js";
import type { GitInfo } from "./context/git.js";
import type { LegSlots } from "./plan/slots.js";

/** Remote actions: the cache, local overrides, and a fetcher for when the network allows. */
export interface ActionSources {
  /** `<cache>/<owner>/<repo>@<ref>/` folders. */
  cache?: string;
  /** `owner/repo@ref` or `owner/repo` (any ref) → a folder used instead (`stax run --action`). */
  overrides?: Record<string, string>;
  /** Fetches a missing repository into the cache; absent: never touch the network. */
  fetch?: ActionFetcher;
}

/** Everything one run needs. The engine reads no global state: configuration comes in here. */
export interface RunOptions {
  runId: string;
  runNumber: number;
  /** Absolute path of the workspace (GITHUB_WORKSPACE). */
  workspace: string;
  /** A workflow loaded without errors (see `loadWorkflow`). */
  workflow: LoadedWorkflow;
  event: string;
  /** The webhook payload; synthesised from the git repository when absent. */
  eventPayload?: Record<string, unknown>;
  /** workflow_dispatch / workflow_call inputs as given (strings from the CLI, typed from JSON). */
  inputs?: Record<string, unknown>;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** Extra environment for every step (`stax run --env`), like act's `--env`. */
  env?: Record<string, string>;
  /**
   * `--matrix key:value`: only the matrix legs whose value of each named key is one of those
   * given (keys a job's matrix lacks do not filter it); a job left with no leg is skipped.
   */
  matrix?: Record<string, string[]>;
  /** `github.actor` and `triggering_actor` (`--actor`); default: git's user.name. */
  actor?: string;
  /** Run only these job ids (and nothing they need is re-run: their results count as skipped). */
  jobs?: string[];
  /** The environment of the host; steps inherit only an allow-list of it (PATH, HOME, LANG, LC_* …: see run.ts). */
  hostEnv: Record<string, string | undefined>;
  /** A folder for this run's temporary files (RUNNER_TEMP, file commands, scripts); removed at the end. */
  tempDir: string;
  /** Where every state change goes. */
  sink: EventSink;
  /** Where remote actions and reusable workflows come from; without it only shims and local ones run. */
  actions?: ActionSources;
  /** Seconds between SIGINT and SIGTERM, and SIGTERM and SIGKILL, when cancelling a step (JOB-15: 7.5 and 2.5). */
  killGraceSeconds?: [number, number];
  now?: () => Date;
  /** Where `actions/upload-artifact` and `download-artifact` keep files (the runner's store); absent: those steps fail. */
  artifacts?: ArtifactStore;
  /** The Docker engine for container steps, `container:` and `services:`; absent or not answering: those fail clearly. */
  docker?: DockerEngine;
  /** Where `actions/cache` keeps its entries (the workspace's data folder); absent: cache steps fail. */
  cacheDir?: string;
  /** Many machines: where cache entries are shared beyond this machine's `cacheDir`; absent: that folder alone. */
  sharedCache?: SharedCache;
  /** How much `actions/cache` keeps (in `cacheDir` and in `sharedCache` each); absent: GitHub's limits. */
  cacheLimits?: CacheLimits;
  /** Re-run of failed jobs: top-level jobs shown as reused from an earlier run, with its result and outputs, instead of running. */
  reuse?: Reuse;
  /** A re-run: the run it re-runs, named in the new run (`WorkflowRun.rerunOf`). */
  rerunOf?: { runId: string; runNumber: number; attempt?: number };
  /** `runs-on` labels (any case) mapped to `host`, run here (`stax run --platform LABEL=host`); others this machine lacks skip their job. */
  platforms?: Record<string, string>;
  /** `$STAX_HOME/tools` (RUNNER_TOOL_CACHE): where setup-node puts the Nodes it fetches; absent: nothing is fetched. */
  toolCache?: string;
  /** Every job's steps get a HOME of the job's own, seeded with the user's npm, git and yarn configuration (steps/private-home.ts). */
  privateHome?: boolean;
  /** Where jobs work: absent or `bind`, the workspace itself; `isolated`, a checkout per job leg (see checkouts.ts). */
  checkouts?: CheckoutOptions;
  /** Told the process group of every host process a step starts, and when it ended (the runner records them to reap after a crash). */
  processes?: ProcessRecorder;
  /** The workspace's git facts, read beforehand without blocking (`readGitInfoAsync`); absent: read now, synchronously. */
  git?: GitInfo;
  /** Caps the job legs running at once, shared by every run of a runner; absent: no cap. */
  legSlots?: LegSlots;
  /** Lines for the run's log, printed at the start of the first step that runs (e.g. what a sandbox leaves out). */
  notices?: string[];
  /** Runs job legs elsewhere (the workers of a shared store); absent: every leg runs in this process. */
  legs?: LegDispatcher;
  /**
   * The run as it stood when its coordinator died (its snapshot with every stored event applied):
   * this process takes it over and plans it again; jobs keep the state they had (see Reporter),
   * legs already handed to workers are followed (`legs` must find them by job), not sent again.
   */
  resume?: WorkflowRun;
}

/** A leg as the engine hands it out: the spec without what the dispatcher adds (source, sealing). */
export type LegRequest = Omit<LegSpec, "sealedSecrets" | "source" | "workspace"> & { secrets: Record<string, string> };

/** How a dispatched leg ended, seen from the coordinator. */
export type LegOutcome =
  { kind: "finished"; result: LegResult } | { kind: "lost"; message: string } | { kind: "cancelled" };

/**
 * Sends legs to workers. `onEvent` gets every job and step event the worker stored for the leg,
 * in order, so the coordinator's view of the run follows it.
 */
export interface LegDispatcher {
  dispatch(leg: LegRequest, onEvent: (e: SSEEvent) => void): { done: Promise<LegOutcome>; cancel(hard: boolean): void };
}

/** A run in progress. */
export interface RunHandle {
  /** The live run object (status `queued` until the engine starts it). */
  readonly run: WorkflowRun;
  /** Resolves with the completed run; never rejects (faults become a failed run with a logged reason). */
  readonly done: Promise<WorkflowRun>;
  /** Cancels gracefully (JOB-15): steps with `always()` and post steps still run. A second call stops at once. */
  cancel(): void;
}

/**
 * Where the process groups of running steps are recorded (their leaders' pids) with their job's
 * RUNNER_TRACKING_ID, so the next start after a crash also finds what left the group.
 */
export interface ProcessRecorder {
  started(pid: number, trackingId: string): void;
  ended(pid: number): void;
  /** A job's RUNNER_TRACKING_ID, recorded before its first step and forgotten after its clean-up. */
  jobStarted(trackingId: string): void;
  jobEnded(trackingId: string): void;
}

/** The artifact area the upload/download shims use; the runner implements it over its store. */
/**
 * actions/cache entries shared between machines (the store's blobs). An entry is a folder of the
 * cache folder (`meta.json` and its archives), named from its key; the local folder stays the
 * working copy.
 */
export interface SharedCache {
  /** The metadata (`meta.json`, parsed) of every shared entry, by folder name. */
  entries(): Promise<Map<string, unknown>>;
  /** Copies a shared entry into `<root>/<name>` (complete, or not at all). */
  fetch(root: string, name: string): Promise<void>;
  /** Shares the entry folder `<root>/<name>` just saved here. */
  share(root: string, name: string): Promise<void>;
  /** Notes that a leg restored the entry `name` now (what eviction goes by). */
  used(name: string, at: Date): Promise<void>;
  /** Removes the shared entries `limits` no longer allow, never `keep`; resolves with their names. */
  evict(limits: CacheLimits, keep: string, now: Date): Promise<string[]>;
}

/** How much actions/cache keeps, as GitHub's cache does: entries unused for `idleDays` go, and beyond `maxBytes` in all the least recently used. */
export interface CacheLimits {
  maxBytes: number;
  idleDays: number;
}

/** GitHub's: 10 GB per repository, 7 days without use. */
export const GITHUB_CACHE_LIMITS: CacheLimits = { maxBytes: 10 * 1024 ** 3, idleDays: 7 };

export interface ArtifactStore {
  /** Stores `files` (relative to `root`) as artifact `name` of the run. */
  upload(runId: string, name: string, root: string, files: string[]): Promise<{ id: string; size: number }>;
  /** Copies one artifact (or all, each into `dest/<name>`) of the run into `dest`; returns the names. */
  download(runId: string, name: string | undefined, dest: string): Promise<string[]>;
}

/** Jobs a re-run takes from an earlier run instead of running them (RunOptions.reuse). */
export interface Reuse {
  runId: string;
  runNumber: number;
  /** By job definition id: the earlier result and outputs (matrix legs folded, JOB-10). */
  jobs: Record<string, LegResult>;
  /** By leg id (`test (2)`): legs of a job that runs again whose own earlier result stands (they are not run). */
  legs?: Record<string, LegResult>;
}
