import type { Param, SqliteDb, Statement, Transaction } from "./sqlite-db.js";
import type {
  NumberedLine,
  SSEEvent,
  StepGroupsResponse,
  StepLinesResponse,
  StepSearchResponse,
  StoredEvent,
} from "../contract/index.js";
import { CommitFeed } from "./commit-feed.js";
import {
  groupMarkers,
  readLines,
  searchLines,
  stepText,
  type ChunkFilter,
  type ChunkRow,
  type ReadChunks,
} from "./log-scan.js";
import type { EventLog, LogLine, LogStore, ReadQuery } from "./store.js";

type Row = Record<string, unknown>;
type LogEvent = Extract<StoredEvent, { type: "step.log" }>;

/** Log lines per stored chunk: few rows to write, little to parse to resume in the middle of one. */
const CHUNK_LINES = 1000;

/**
 * The event log and step logs in SQLite. A batch is one write transaction: it continues from the
 * stored counter under the write lock, so ids are in commit order even when several processes
 * write one file. Log lines are stored in chunks of consecutive lines of one step.
 */
export class SqliteEventLog implements EventLog, LogStore {
  readonly feed: CommitFeed;
  private readonly writeBatch: Transaction<[events: StoredEvent[]], number>;
  private readonly counter: Statement;
  /** Next line index of each step being written (dropped when the step completes). */
  private readonly nextLine = new Map<string, number>();
  /** The chunk reads of `chunkReader`, prepared once per filter. */
  private readonly chunkStatements = new Map<string, Statement>();

  constructor(
    private readonly db: SqliteDb,
    private readonly ws: string,
  ) {
    this.counter = db.prepare(
      "SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'event_id'), 0) AS v",
    );
    // Ids never go back, not even when the newest runs are deleted: clients resume by id.
    const start = db
      .prepare(
        "SELECT MAX(COALESCE((SELECT MAX(id) FROM events), 0), COALESCE((SELECT MAX(last_id) FROM log_chunks), 0), COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'event_id'), 0)) AS m",
      )
      .get() as Row;
    this.feed = new CommitFeed((since, limit) => this.readSince(since, { limit }), start.m as number);
    const saveLastId = db.prepare(
      "INSERT INTO meta (key, value) VALUES ('event_id', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    );
    const insertEvent = db.prepare("INSERT INTO events (id, workspace, run_id, type, data) VALUES (?, ?, ?, ?, ?)");
    const insertLog = db.prepare(
      "INSERT INTO log_chunks (first_id, last_id, workspace, run_id, job_id, step_number, first_line, n, lines, written_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const stepLines = db.prepare(
      "SELECT COALESCE(MAX(first_line + n), 0) AS v FROM log_chunks WHERE run_id = ? AND job_id = ? AND step_number = ?",
    );
    this.writeBatch = db.transaction((events: StoredEvent[]) => {
      const previous = (this.counter.get() as Row).v as number;
      let id = previous;
      for (const e of events) e.id = ++id;
      // One time for the batch: its lines were printed within one tick of the step's process.
      const now = Date.now();
      let chunk: LogEvent[] = [];
      const writeChunk = () => {
        if (!chunk.length) return;
        const [a, z] = [chunk[0], chunk[chunk.length - 1]];
        const key = `${a.runId}\0${a.data.jobId}\0${a.data.stepNumber}`;
        const first =
          this.nextLine.get(key) ?? ((stepLines.get(a.runId, a.data.jobId, a.data.stepNumber) as Row).v as number);
        this.nextLine.set(key, first + chunk.length);
        insertLog.run(
          a.id,
          z.id,
          this.ws,
          a.runId,
          a.data.jobId,
          a.data.stepNumber,
          first,
          chunk.length,
          JSON.stringify(chunk.map((e) => e.data.line)),
          now,
        );
        chunk = [];
      };
      for (const e of events) {
        if (e.type === "step.log") {
          const last = chunk[chunk.length - 1];
          if (
            last &&
            (chunk.length >= CHUNK_LINES ||
              last.runId !== e.runId ||
              last.data.jobId !== e.data.jobId ||
              last.data.stepNumber !== e.data.stepNumber)
          )
            writeChunk();
          chunk.push(e);
        } else {
          writeChunk();
          insertEvent.run(e.id, this.ws, e.runId, e.type, JSON.stringify(e.data));
          if (e.type === "step.completed") this.nextLine.delete(`${e.runId}\0${e.data.jobId}\0${e.data.stepNumber}`);
        }
      }
      writeChunk();
      saveLastId.run(String(id));
      return previous;
    });
  }

  async append(events: SSEEvent[]): Promise<StoredEvent[]> {
    if (!events.length) return [];
    // The events are the engine's own, made for this call: each gets its id in place (no copy per log line).
    const stored = events as StoredEvent[];
    const previous = this.writeBatch.immediate(stored);
    this.feed.committed(stored, previous);
    return stored;
  }

  async highWater(): Promise<number> {
    return this.highWaterNow();
  }

  highWaterNow(): number {
    return (this.counter.get() as Row).v as number;
  }

  delivered(): number {
    return this.feed.delivered;
  }

  onCommit(listener: (events: readonly StoredEvent[]) => void): void {
    this.feed.onCommit(listener);
  }

  async caughtUp(): Promise<void> {
    const target = this.highWaterNow();
    this.feed.notify(target);
    await this.feed.until(target);
  }

  async readSince(since: number, q: ReadQuery = {}): Promise<StoredEvent[]> {
    const limit = q.limit ?? 100_000;
    const filter = `workspace = ?${q.runId ? " AND run_id = ?" : ""}`;
    const args: Param[] = q.runId ? [since, this.ws, q.runId] : [since, this.ws];
    // One job: its step events, and the run's run.* and job.* events (in SQL, so `limit` counts only what is returned).
    const jobEvents = q.jobId !== undefined ? " AND (type NOT LIKE 'step.%' OR json_extract(data, '$.jobId') = ?)" : "";
    const jobArgs = q.jobId !== undefined ? [q.jobId] : [];
    const events = (
      this.db
        .prepare(`SELECT id, run_id, type, data FROM events WHERE id > ? AND ${filter}${jobEvents} ORDER BY id LIMIT ?`)
        .all(...args, ...jobArgs, limit) as Row[]
    ).map((r) => ({ id: r.id, type: r.type, runId: r.run_id, data: JSON.parse(r.data as string) }) as StoredEvent);
    const logs: StoredEvent[] = [];
    if (q.noLogs) return events.map((e) => Object.assign(e, routing(e)));
    const jobFilter = q.jobId !== undefined ? " AND job_id = ?" : "";
    // Chunks in id order, read only until `limit` lines are found (a chunk holds many). Through
    // the last_id index, from the run's first chunk on: by its run_id index SQLite would sort all
    // of the run's chunks, lines included, for every page, and a replay's pages would cost the
    // square of the run's size (issue 24: 40 replays of a 100k-line run held the runner 4 s).
    const from = q.runId
      ? Math.max(
          since,
          (((this.db.prepare("SELECT MIN(first_id) AS v FROM log_chunks WHERE run_id = ?").get(q.runId) as Row).v as
            number | null) ?? 1) - 1,
        )
      : since;
    for (const c of this.db
      .prepare(
        `SELECT first_id, run_id, job_id, step_number, lines FROM log_chunks INDEXED BY log_chunks_last WHERE last_id > ? AND ${filter}${jobFilter} ORDER BY last_id`,
      )
      .iterate(from, ...args.slice(1), ...jobArgs) as IterableIterator<Row>) {
      const [runId, jobId, stepNumber] = [c.run_id as string, c.job_id as string, c.step_number as number];
      const lines = JSON.parse(c.lines as string) as string[];
      for (let i = Math.max(0, since + 1 - (c.first_id as number)); i < lines.length && logs.length < limit; i++) {
        logs.push({
          id: (c.first_id as number) + i,
          type: "step.log",
          runId,
          jobId,
          stepNumber,
          data: { runId, jobId, stepNumber, line: lines[i] },
        });
      }
      if (logs.length >= limit) break;
    }
    // Only log lines (a step printing): they are in id order already.
    if (!events.length) return logs;
    const all = [...events, ...logs].sort((a, b) => a.id - b.id).slice(0, limit);
    for (const e of all) if (e.type !== "step.log") Object.assign(e, routing(e));
    return all;
  }

  async lines(runId: string, jobId: string, stepNumber: number, from: number, limit: number): Promise<NumberedLine[]> {
    return readLines(this.chunkReader(runId, jobId, stepNumber), from, limit);
  }

  async page(
    runId: string,
    jobId: string,
    stepNumber: number,
    from: number,
    limit: number,
  ): Promise<StepLinesResponse> {
    const lines = await this.lines(runId, jobId, stepNumber, from, limit);
    return { lines, ...this.countAt(runId, jobId, stepNumber) };
  }

  async search(
    runId: string,
    jobId: string,
    stepNumber: number,
    query: string,
    from: number,
    limit: number,
  ): Promise<StepSearchResponse> {
    return searchLines(this.chunkReader(runId, jobId, stepNumber), query, from, limit);
  }

  async groups(runId: string, jobId: string, stepNumber: number): Promise<StepGroupsResponse> {
    const at = this.countAt(runId, jobId, stepNumber);
    return { markers: await groupMarkers(this.chunkReader(runId, jobId, stepNumber)), ...at };
  }

  text(runId: string, jobId: string, stepNumber: number): AsyncIterable<string> {
    return stepText(this.chunkReader(runId, jobId, stepNumber));
  }

  /** The step's line count and the newest event id, in one read transaction (so they agree). */
  private countAt(runId: string, jobId: string, stepNumber: number): { total: number; lastEventId: number } {
    return this.db.transaction(() => ({
      total: this.countNow(runId, jobId, stepNumber),
      lastEventId: this.highWaterNow(),
    }))();
  }

  /** Reads a step's chunks from the one holding a line index, through the step index (no scan of the step). */
  private chunkReader(runId: string, jobId: string, stepNumber: number): ReadChunks {
    return async (from: number, batch: number, filter?: ChunkFilter) => {
      const step = "run_id = ? AND job_id = ? AND step_number = ?";
      let sql = `SELECT first_line, n, lines, written_at FROM log_chunks WHERE ${step} AND first_line >= COALESCE((SELECT first_line FROM log_chunks WHERE ${step} AND first_line <= ? ORDER BY first_line DESC LIMIT 1), 0)`;
      const args: Param[] = [runId, jobId, stepNumber, runId, jobId, stepNumber, from];
      if (filter?.needle !== undefined)
        ((sql += " AND (instr(lower(lines), ?) > 0 OR instr(lines, '\\u001b') > 0)"), args.push(filter.needle));
      if (filter?.markers) sql += ` AND instr(lines, '"##[') > 0`;
      sql += " ORDER BY first_line LIMIT ?";
      let stmt = this.chunkStatements.get(sql);
      if (!stmt) this.chunkStatements.set(sql, (stmt = this.db.prepare(sql)));
      const rows = stmt.all(...args, batch) as Row[];
      return rows.map((r): ChunkRow => ({
        first: r.first_line as number,
        n: r.n as number,
        json: r.lines as string,
        t: (r.written_at as number | null) ?? undefined,
      }));
    };
  }

  async count(runId: string, jobId: string, stepNumber: number): Promise<number> {
    return this.countNow(runId, jobId, stepNumber);
  }

  private countNow(runId: string, jobId: string, stepNumber: number): number {
    // Chunks of a step are contiguous: the last one ends where the step does.
    const row = this.db
      .prepare(
        "SELECT first_line + n AS v FROM log_chunks WHERE run_id = ? AND job_id = ? AND step_number = ? ORDER BY first_line DESC LIMIT 1",
      )
      .get(runId, jobId, stepNumber) as Row | undefined;
    return (row?.v as number | undefined) ?? 0;
  }

  async all(runId: string, jobId?: string, stepNumber?: number): Promise<LogLine[]> {
    let sql = "SELECT job_id, step_number, lines, written_at FROM log_chunks WHERE run_id = ?";
    const args: Param[] = [runId];
    if (jobId !== undefined) ((sql += " AND job_id = ?"), args.push(jobId));
    if (stepNumber !== undefined) ((sql += " AND step_number = ?"), args.push(stepNumber));
    const out: LogLine[] = [];
    for (const c of this.db.prepare(`${sql} ORDER BY first_id`).all(...args) as Row[]) {
      const t = (c.written_at as number | null) ?? undefined;
      for (const line of JSON.parse(c.lines as string) as string[])
        out.push(
          t === undefined
            ? { jobId: c.job_id as string, stepNumber: c.step_number as number, line }
            : { jobId: c.job_id as string, stepNumber: c.step_number as number, line, t },
        );
    }
    return out;
  }
}

/** The routing fields of an event (`runId`, `jobId`, `stepNumber`), from its payload. */
function routing(e: StoredEvent): Partial<StoredEvent> {
  const d = e.data as { jobId?: string; stepNumber?: number };
  return {
    ...(d.jobId !== undefined ? { jobId: d.jobId } : {}),
    ...(d.stepNumber !== undefined ? { stepNumber: d.stepNumber } : {}),
  };
}
