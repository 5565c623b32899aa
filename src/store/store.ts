import type { ArtifactInfo, ListRunsQuery, SecretInfo, SSEEvent, StoredEvent, WorkflowRun } from "../contract/index.js";

/** One stored log line of a step. */
export interface LogLine {
  jobId: string;
  stepNumber: number;
  line: string;
}

/** An artifact as recorded; its files live under `path`. */
export interface ArtifactRecord extends ArtifactInfo {
  /** A file or a folder in the store's artifact area. */
  path: string;
  isDirectory: boolean;
}

/** A secret as stored: encrypted. */
export interface EncryptedSecret {
  name: string;
  iv: Buffer;
  tag: Buffer;
  data: Buffer;
  updatedAt: string;
}

/**
 * The durable store. SQLite implements it now (`sqlite-store.ts`); a PostgreSQL store for a
 * scaled-out mode implements the same interface. Writes of events are batched by the
 * implementation; `flush()` makes everything appended so far durable and queryable.
 */
export interface Store {
  /** The next run number of this workspace (1, 2, 3 …). */
  nextRunNumber(): number;
  /** Inserts or replaces a run snapshot. */
  saveRun(run: WorkflowRun): void;
  getRun(id: string): WorkflowRun | undefined;
  /** Newest first. */
  listRuns(q: ListRunsQuery): WorkflowRun[];
  /** A run by full id, unique id prefix, number or `last`; `ambiguous` when a prefix matches several. */
  findRun(ref: string): WorkflowRun | "ambiguous" | undefined;
  /** Removes a run with its events, logs and artifacts' records (the caller removes artifact files). */
  deleteRun(id: string): void;

  /** Gives each event its monotonic id and queues it for the next batch write. */
  appendEvent(event: SSEEvent): StoredEvent;
  /** Events after `since` (exclusive), optionally of one run, in id order. */
  eventsSince(since: number, runId?: string, limit?: number): StoredEvent[];
  /** The id of the newest event (0 when none). */
  lastEventId(): number;
  /**
   * Calls `listener` with each batch of events once it is committed, in id order. The SSE hub
   * listens here, so no client ever sees an event a crash could still lose.
   */
  onCommit(listener: (events: readonly StoredEvent[]) => void): void;
  /** A run's log lines in order, optionally of one job / step. */
  logs(runId: string, jobId?: string, stepNumber?: number): LogLine[];

  putSecret(secret: EncryptedSecret): void;
  /** Several secrets in one transaction (an import). */
  putSecrets(secrets: EncryptedSecret[]): void;
  getSecret(name: string): EncryptedSecret | undefined;
  listSecrets(): SecretInfo[];
  deleteSecret(name: string): boolean;

  addArtifact(a: ArtifactRecord): void;
  listArtifacts(runId: string): ArtifactRecord[];

  /** Runs left unfinished by a crash; see `recoverInterrupted`. */
  unfinishedRuns(): WorkflowRun[];
  /** Ids of runs past the retention limits, oldest first. */
  expiredRuns(maxRuns: number, maxAgeDays: number, now: Date): string[];

  flush(): void;
  close(): void;
}
