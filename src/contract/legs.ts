import type { Job } from "./model.js";
import type { JobConclusion } from "./status.js";

/** What a finished job leg leaves for the jobs that need it (JOB-06). */
export interface LegResult {
  result: JobConclusion;
  outputs: Record<string, string>;
}

/**
 * One job leg (one matrix combination of one job) as a self-contained, serialisable unit: what a
 * worker on another machine needs to run it with the engine, and nothing that names a path of the
 * coordinator's machine. The coordinator evaluated the graph, `if`, strategy and needs; the worker
 * loads the job's definition from the run's source and runs its steps.
 */
export interface LegSpec {
  runId: string;
  runNumber: number;
  /** The workspace key of the run (which store rows it belongs to). */
  workspace: string;
  event: string;
  /** The run's source: a git bundle blob with one commit holding the workspace as the run saw it. */
  source: { key: string; commit: string };
  /** The workflow file holding the job, relative to the source's root (a called workflow's own file for its jobs). */
  workflowPath: string;
  /** The job's id in that file. */
  jobDefId: string;
  /** The leg as shown: id, name, needs, matrix, its steps (queued). */
  job: Job;
  matrix: Record<string, unknown> | null;
  strategy: Record<string, unknown>;
  needs: Record<string, LegResult>;
  /** The env a leg starts from (ACT, `stax run --env`); the leg evaluates its workflow's `env:` over it, in its own checkout. */
  workflowEnv: Record<string, string>;
  /** The `github` context of the run; the worker sets `workspace` and `event_path` to its own. */
  github: Record<string, unknown>;
  vars: Record<string, string>;
  inputs: Record<string, unknown>;
  /** The graph scope of a called workflow's job (`caller / ` prefixes, nesting depth). */
  scope: { idPrefix: string; namePrefix: string; depth: number };
  /** `runs-on`, as labels a worker must all have (lower case; `ubuntu-*` means `linux`; labels `platforms` maps are left out). */
  labels: string[];
  /** The run's `--platform LABEL=host`: labels the worker answers as its own (the coordinator skipped other OSes it does not map). */
  platforms?: Record<string, string>;
  /** The secrets the job sees, encrypted with the secrets key every process shares. */
  sealedSecrets: { iv: string; tag: string; data: string };
  /** Seconds between SIGINT and SIGTERM, and SIGTERM and SIGKILL, when the leg is cancelled. */
  killGraceSeconds?: [number, number];
}

/** One worker as `stax workers` and `GET /api/workers` show it. */
export interface WorkerInfo {
  name: string;
  labels: string[];
  slots: number;
  /** Legs it runs now. */
  inHand: number;
  lastHeartbeat: string;
  startedAt: string;
  /** Its heartbeat is older than the lease: it is gone. */
  lost: boolean;
}
