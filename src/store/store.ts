import type { Readable } from "node:stream";
import type {
  ArtifactInfo,
  CreateRunRequest,
  ListRunsQuery,
  NumberedLine,
  SSEEvent,
  StepGroupsResponse,
  StepLinesResponse,
  StepSearchResponse,
  StoredEvent,
  VarInfo,
  WorkflowRun,
} from "../contract/index.js";

/**
 * The durable store, split by responsibility. Every method is async so that a networked database
 * (PostgreSQL, `pg-store.ts`) implements the same interfaces as the embedded SQLite store; the
 * engine, the routes and the SSE hub only see these. Every row belongs to one workspace: a store
 * is opened for a workspace key, and one database may serve many.
 */
export interface Store {
  /** The workspace key every row of this store carries. */
  readonly workspace: string;
  readonly events: EventLog;
  readonly runs: RunStore;
  readonly logs: LogStore;
  readonly secrets: SecretStore;
  readonly vars: VarStore;
  readonly artifacts: ArtifactRecords;
  readonly blobs: BlobStore;
  readonly queue: RunQueue;
  /** Follows commits of other processes too (the runner does; a one-shot CLI command does not). */
  follow(intervalMs?: number): void;
  close(): Promise<void>;
}

/**
 * The event log. Ids are assigned when a batch commits, in commit order: a reader that has seen id
 * N never later meets an id below N, so `Last-Event-ID` resume is exact. Listeners get every
 * committed batch exactly once and in id order, whichever process committed it (once `follow`ed).
 */
export interface EventLog {
  /** Appends a batch in one transaction; resolves with the events and their ids once committed. */
  append(events: SSEEvent[]): Promise<StoredEvent[]>;
  /**
   * Events after `since` (exclusive), in id order, optionally of one run; with `jobId` too, the
   * step events (`step.*`) of the run's other jobs are left out (its run.* and job.* events stay).
   */
  readSince(since: number, q?: ReadQuery): Promise<StoredEvent[]>;
  /** The id of the newest committed event (0 when none). */
  highWater(): Promise<number>;
  /** The newest id delivered to listeners so far (what a live subscriber starting now has seen). */
  delivered(): number;
  /** Calls `listener` with each committed batch, contiguous and in id order. */
  onCommit(listener: (events: readonly StoredEvent[]) => void): void;
  /** Resolves once every event committed before the call (by any process) reached the listeners. */
  caughtUp(): Promise<void>;
}

/** Which events `readSince` reads: of one run (and job), at most `limit`, and with or without the log lines. */
export interface ReadQuery {
  runId?: string;
  jobId?: string;
  limit?: number;
  /** Only the run, job and step events (a run's state, without its log). */
  noLogs?: boolean;
}

/** Run snapshots. */
export interface RunStore {
  /** The next run number of this workspace, drawn atomically (no two processes get the same). */
  nextNumber(): Promise<number>;
  /** Inserts or replaces a run snapshot. */
  save(run: WorkflowRun): Promise<void>;
  get(id: string): Promise<WorkflowRun | undefined>;
  /** Newest first. */
  list(q: ListRunsQuery): Promise<WorkflowRun[]>;
  /** A run by full id, unique id prefix, number or `last`; `ambiguous` when a prefix matches several. */
  find(ref: string): Promise<WorkflowRun | "ambiguous" | undefined>;
  /** Removes a run with its events, logs, request, artifacts' records and blobs. */
  delete(id: string): Promise<void>;
  /** Runs not completed (left by a crash, or still running elsewhere). */
  unfinished(): Promise<WorkflowRun[]>;
  /** Ids of completed runs past the retention limits. */
  expired(maxRuns: number, maxAgeDays: number, now: Date): Promise<string[]>;
}

/** One stored log line of a step. */
export interface LogLine {
  jobId: string;
  stepNumber: number;
  line: string;
  /** When it was stored (ms since the epoch); absent for lines of a store older than the times. */
  t?: number;
}

/** Step logs, as the event log stored them. */
export interface LogStore {
  /** A step's lines `from` (0-based) on, at most `limit`, with their numbers (1-based, as shown) and times (`t`, when stored). */
  lines(runId: string, jobId: string, stepNumber: number, from: number, limit: number): Promise<NumberedLine[]>;
  /** How many lines a step has. */
  count(runId: string, jobId: string, stepNumber: number): Promise<number>;
  /** A run's lines in order, optionally of one job / step. */
  all(runId: string, jobId?: string, stepNumber?: number): Promise<LogLine[]>;
  /**
   * A page of a step's lines (as `lines`), with the step's line count and the newest event id
   * read in one snapshot: `total` counts exactly the step's lines with an id up to `lastEventId`.
   */
  page(runId: string, jobId: string, stepNumber: number, from: number, limit: number): Promise<StepLinesResponse>;
  /** A step's lines from index `from` whose shown text contains `query` (case-insensitive), at most `limit`; chunks stream through. */
  search(
    runId: string,
    jobId: string,
    stepNumber: number,
    query: string,
    from: number,
    limit: number,
  ): Promise<StepSearchResponse>;
  /** A step's `##[group]` / `##[endgroup]` lines, with `total` and `lastEventId` as in `page`. */
  groups(runId: string, jobId: string, stepNumber: number): Promise<StepGroupsResponse>;
  /** A step's text, chunk by chunk. */
  text(runId: string, jobId: string, stepNumber: number): AsyncIterable<string>;
}

/** A secret as stored: encrypted. */
export interface EncryptedSecret {
  name: string;
  iv: Buffer;
  tag: Buffer;
  data: Buffer;
  updatedAt: string;
}

export interface SecretStore {
  put(secret: EncryptedSecret): Promise<void>;
  /** Many at once, in one transaction. */
  putMany(secrets: EncryptedSecret[]): Promise<void>;
  get(name: string): Promise<EncryptedSecret | undefined>;
  list(): Promise<EncryptedSecret[]>;
  delete(name: string): Promise<boolean>;
}

/** Repository variables (CTX-08), in plain text: they are not secret. */
export interface VarStore {
  /** Creates or replaces a variable. */
  put(name: string, value: string): Promise<void>;
  /** Sorted by name. */
  list(): Promise<VarInfo[]>;
  delete(name: string): Promise<boolean>;
}

/** An artifact as recorded; its files are blobs under `artifactPrefix(runId, name)`. */
export interface ArtifactRecord extends ArtifactInfo {
  /** Paths of its files relative to the artifact's root (one for a single-file artifact). */
  files: string[];
  isDirectory: boolean;
}

export interface ArtifactRecords {
  add(a: ArtifactRecord): Promise<void>;
  list(runId: string): Promise<ArtifactRecord[]>;
}

/** The blob key prefix of an artifact's files; with no name, of all the run's artifacts. */
export function artifactPrefix(runId: string, name?: string): string {
  return name ? `artifacts/${runId}/${name}/` : `artifacts/${runId}/`;
}

/** The blob key of a run's source bundle (what workers check out). */
export function sourceKey(runId: string): string {
  return `sources/${runId}/source.bundle`;
}

/** Every blob prefix that belongs to a run, deleted with it. */
export function runBlobPrefixes(runId: string): string[] {
  return [artifactPrefix(runId), `sources/${runId}/`];
}

/** Opaque bytes by key (artifacts, caches, source bundles): streams in and out, never local paths. */
export interface BlobStore {
  /** Stores a stream under `key` (replacing it); resolves with its size. */
  put(key: string, body: Readable | Buffer): Promise<number>;
  /** The blob's bytes, or undefined when there is none. */
  get(key: string): Promise<Readable | undefined>;
  size(key: string): Promise<number | undefined>;
  /** Keys starting with `prefix`, sorted, with their sizes. */
  list(prefix: string): Promise<{ key: string; size: number }[]>;
  /** Deletes every blob whose key starts with `prefix`. */
  deletePrefix(prefix: string): Promise<void>;
}

/**
 * What a run was started with, kept with the run so re-runs survive restarts. Run-only secrets
 * are sealed with the secrets key (`SecretVault.seal`).
 */
export interface StoredRunRequest extends Omit<CreateRunRequest, "secrets"> {
  event: string;
  sealedSecrets?: { iv: string; tag: string; data: string };
  /** Many machines: what another front-end needs to take the run over if its coordinator dies. */
  coordination?: RunCoordination;
}

/**
 * Everything a run's coordination was started from, resolved at its start and nothing on the
 * coordinator's disk: a front-end that takes the run over plans it again from this alone.
 */
export interface RunCoordination {
  /** The workflow file, relative to the root of the run's source. */
  workflowPath: string;
  /** The run's source bundle (a blob). */
  source: { key: string; commit: string };
  /** The git facts the run's `github` context was built from (the engine's GitInfo). */
  git: Record<string, string | undefined>;
  /** The variables the run started with (stored ones and the request's). */
  vars: Record<string, string>;
  /** A re-run of failed jobs: the jobs it keeps from the earlier run (the engine's Reuse). */
  reuse?: unknown;
}

/**
 * Milliseconds since the epoch, as leases read them: `Date.now` unless a test injects a clock to
 * expire a lease without waiting for it.
 */
export type Clock = () => number;

/** What a store is opened with besides its location. */
export interface StoreOptions {
  /** The run queue's clock (default `Date.now`). */
  clock?: Clock;
}

/** A claimed run request. */
export interface RunClaim {
  runId: string;
  request: StoredRunRequest;
}

/**
 * Durable run requests, claimed with a lease: a process that executes a run heartbeats; one whose
 * lease lapsed has died. Cancellation is a flag any process can set and the executor polls.
 */
export interface RunQueue {
  /** Stores the request of a new run (unclaimed). */
  enqueue(runId: string, request: StoredRunRequest): Promise<void>;
  /** Claims the oldest request that is not done and not held by a live lease (or this one by id). */
  claim(owner: string, leaseMs: number, runId?: string): Promise<RunClaim | undefined>;
  /** Extends the lease; false when `owner` no longer holds it. */
  heartbeat(runId: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Replaces the stored request of a run (e.g. adds its coordination once the source is stored). */
  update(runId: string, request: StoredRunRequest): Promise<void>;
  /** The run finished: its request stays (for re-runs), its lease ends. */
  complete(runId: string): Promise<void>;
  request(runId: string): Promise<StoredRunRequest | undefined>;
  /** Runs whose cancel flag is set while `owner` executes them. */
  cancelledFor(owner: string): Promise<string[]>;
  /** Who holds a live lease on the run, if anyone. */
  owner(runId: string, now: Date): Promise<string | undefined>;
  requestCancel(runId: string): Promise<void>;
  cancelRequested(runId: string): Promise<boolean>;
  /** Ids of the run requests that carry sealed secrets (for `stax secret rotate-key`). */
  sealedRequests(): Promise<string[]>;
}
