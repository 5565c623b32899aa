import type { Diagnostic, WorkflowRun } from "./model.js";
import type { RunConclusion, Status } from "./status.js";

/** `GET /health` */
export interface HealthResponse {
  status: "ok";
  workspace: string;
  version: string;
}

/** A `workflow_dispatch` or `workflow_call` input as declared. */
export interface WorkflowInput {
  name: string;
  type: "string" | "boolean" | "number" | "choice" | "environment";
  description?: string;
  required: boolean;
  default?: string | boolean | number;
  options?: string[];
}

/** One entry of `GET /api/workflows`. */
export interface WorkflowInfo {
  name: string;
  fileName: string;
  filePath: string;
  triggers: string[];
  jobs: { id: string; name: string; needs: string[] }[];
  inputs: WorkflowInput[];
  errors?: Diagnostic[];
}

/** `GET /api/workflows/:name` */
export interface WorkflowDetail {
  info: WorkflowInfo;
  definition: unknown;
}

export type SandboxStrategy = "auto" | "worktree" | "copy" | "none";

/** `POST /api/runs` */
export interface CreateRunRequest {
  workflow: string;
  inputs?: Record<string, string | number | boolean>;
  event?: string;
  eventPayload?: Record<string, unknown>;
  jobs?: string[];
  sandbox?: { strategy: SandboxStrategy; ref?: string };
  /** Extra environment for every step of this run (`stax run --env`). */
  env?: Record<string, string>;
  /** Secrets for this run only, on top of the stored ones; never stored, masked like all secrets. */
  secrets?: Record<string, string>;
  /** `owner/repo@ref` (or `owner/repo`) → a folder on the runner's machine used instead (`stax run --action`). */
  actions?: Record<string, string>;
  /** Where jobs work: each leg in its own checkout (default), or all in the run's folder (`bind`); `keep` leaves the checkouts. */
  workspaces?: { bind?: boolean; keep?: boolean };
  /** runs-on labels run on the runner's machine (`LABEL: "host"`); other OSes and unknown labels skip their jobs. */
  platforms?: Record<string, string>;
  /** `vars` for this run only, over the stored repository variables (CTX-08). */
  vars?: Record<string, string>;
  /** `--matrix key:value`: only the matrix legs with one of these values of each key. */
  matrix?: Record<string, string[]>;
  /** `github.actor` (default: git's user.name). */
  actor?: string;
}

/** `POST /api/runs/:id/rerun` */
export interface RerunRequest {
  failedOnly?: boolean;
  /** Re-run this job or matrix leg (by id) and every job that needs it; the others keep their results. */
  job?: string;
}

/** `GET /api/runs` query. */
export interface ListRunsQuery {
  /** A status, or a conclusion of completed runs (as `gh run list --status` takes both). */
  status?: Status | RunConclusion;
  workflow?: string;
  limit?: number;
  before?: number;
}

export type ListRunsResponse = WorkflowRun[];

/** `GET /api/runs/:id`: the run, and the newest event id of the store when it was read (subscribe with `since=` it). */
export type RunSnapshot = WorkflowRun & { lastEventId: number };

/** One stored log line of a step: its number in the step (from 1) and its masked text, newline kept (as `step.log` carries it). */
export interface NumberedLine {
  n: number;
  text: string;
  /** When the line was stored (ms since the epoch): one time per written batch. Only in `lines` pages; absent for lines stored before the store kept times. */
  t?: number;
}

/**
 * `GET /api/runs/:id/jobs/:job/steps/:n/lines`: lines `from` (0-based) on. `total` is the step's
 * line count and `lastEventId` the newest event id, read together: every `step.log` of the step
 * with an id up to `lastEventId` is counted in `total`, every later one is not.
 */
export interface StepLinesResponse {
  lines: NumberedLine[];
  total: number;
  lastEventId: number;
}

/** `GET /api/runs/:id/jobs/:job/steps/:n/search`: matching lines in order, at most `limit`; `total` counts every match. */
export interface StepSearchResponse {
  matches: NumberedLine[];
  total: number;
}

/** A `##[group]` or `##[endgroup]` line of a step (what the viewer folds). */
export interface GroupMarker {
  n: number;
  kind: "group" | "endgroup";
}

/** `GET /api/runs/:id/jobs/:job/steps/:n/groups`: every group marker of the step, with `total` and `lastEventId` as in `StepLinesResponse`. */
export interface StepGroupsResponse {
  markers: GroupMarker[];
  total: number;
  lastEventId: number;
}

/** The most lines one `lines` request returns. */
export const MAX_LINES_PAGE = 5000;
/** The most matches one `search` request returns. */
export const MAX_SEARCH_MATCHES = 1000;

/** One entry of `GET /api/runs/:id/artifacts`. */
export interface ArtifactInfo {
  id: string;
  name: string;
  size: number;
  mimeType: string;
  runId: string;
  createdAt: string;
}

/** `GET /api/secrets`: names only, never values. */
export interface SecretInfo {
  name: string;
  updatedAt: string;
  /** The secrets key in use cannot decrypt it (it was stored under another key). */
  unreadable?: true;
}

/** `GET /api/vars`: repository variables, values included (they are not secret). */
export interface VarInfo {
  name: string;
  value: string;
  updatedAt: string;
}

/** `PUT /api/vars/:name` */
export interface PutVarRequest {
  value: string;
}

export interface PutSecretRequest {
  value: string;
}

export interface ImportSecretsRequest {
  content: string;
}

/** How deep a JSON document the runner and the CLI accept (API bodies, `--event-file`): deeper ones overflow the stack where they are copied. */
export const JSON_MAX_DEPTH = 64;

/** Whether a parsed JSON value nests objects and arrays deeper than `max` levels (checked without recursion). */
export function jsonTooDeep(value: unknown, max = JSON_MAX_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v))
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return false;
}

/** `GET /api/refs`: the workspace's branches and tags (newest first) and its checked-out branch. */
export interface GitRefsResponse {
  current?: string;
  branches: string[];
  tags: string[];
}

/** `GET /api/caches`: one actions/cache entry of the runner (its folder name is its id). */
export interface CacheEntryInfo {
  id: string;
  key: string;
  /** Bytes, as stored (compressed). */
  size: number;
  createdAt: string;
  /** Its last save or restore. */
  lastUsedAt: string;
}
