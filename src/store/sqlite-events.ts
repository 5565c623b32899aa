import type Database from "better-sqlite3";
import type { SSEEvent, StoredEvent } from "../contract/index.js";
import { CommitFeed } from "./commit-feed.js";
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
  private readonly writeBatch: Database.Transaction<(events: StoredEvent[]) => number>;
  private readonly counter: Database.Statement;
  /** Next line index of each step being written (dropped when the step completes). */
  private readonly nextLine = new Map<string, number>();

  constructor(
    private readonly db: Database.Database,
    private readonly ws: string,
  ) {
    this.counter = db.prepare("SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'event_id'), 0) AS v");
    // Ids never go back, not even when the newest runs are deleted: clients resume by id.
    const start = db.prepare("SELECT MAX(COALESCE((SELECT MAX(id) FROM events), 0), COALESCE((SELECT MAX(last_id) FROM log_chunks), 0), COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'event_id'), 0)) AS m").get() as Row;
    this.feed = new CommitFeed((since, limit) => this.readSince(since, { limit }), start.m as number);
    const saveLastId = db.prepare("INSERT INTO meta (key, value) VALUES ('event_id', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    const insertEvent = db.prepare("INSERT INTO events (id, workspace, run_id, type, data) VALUES (?, ?, ?, ?, ?)");
    const insertLog = db.prepare("INSERT INTO log_chunks (first_id, last_id, workspace, run_id, job_id, step_number, first_line, n, lines) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const stepLines = db.prepare("SELECT COALESCE(MAX(first_line + n), 0) AS v FROM log_chunks WHERE run_id = ? AND job_id = ? AND step_number = ?");
    this.writeBatch = db.transaction((events: StoredEvent[]) => {
      const previous = (this.counter.get() as Row).v as number;
      let id = previous;
      for (const e of events) e.id = ++id;
      let chunk: LogEvent[] = [];
      const writeChunk = () => {
        if (!chunk.length) return;
        const [a, z] = [chunk[0], chunk[chunk.length - 1]];
        const key = `${a.runId}\0${a.data.jobId}\0${a.data.stepNumber}`;
        const first = this.nextLine.get(key) ?? ((stepLines.get(a.runId, a.data.jobId, a.data.stepNumber) as Row).v as number);
        this.nextLine.set(key, first + chunk.length);
        insertLog.run(a.id, z.id, this.ws, a.runId, a.data.jobId, a.data.stepNumber, first, chunk.length, JSON.stringify(chunk.map((e) => e.data.line)));
        chunk = [];
      };
      for (const e of events) {
        if (e.type === "step.log") {
          const last = chunk[chunk.length - 1];
          if (last && (chunk.length >= CHUNK_LINES || last.runId !== e.runId || last.data.jobId !== e.data.jobId || last.data.stepNumber !== e.data.stepNumber)) writeChunk();
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
    const args: unknown[] = q.runId ? [since, this.ws, q.runId] : [since, this.ws];
    let events = (this.db.prepare(`SELECT id, run_id, type, data FROM events WHERE id > ? AND ${filter} ORDER BY id LIMIT ?`).all(...args, limit) as Row[]).map(
      (r) => ({ id: r.id, type: r.type, runId: r.run_id, data: JSON.parse(r.data as string) }) as StoredEvent,
    );
    if (q.jobId !== undefined) events = events.filter((e) => (e.data as { jobId?: string }).jobId === q.jobId);
    const logs: StoredEvent[] = [];
    if (q.noLogs) return events.map((e) => Object.assign(e, routing(e)));
    const jobFilter = q.jobId !== undefined ? " AND job_id = ?" : "";
    // Chunks in id order, read only until `limit` lines are found (a chunk holds many).
    for (const c of this.db.prepare(`SELECT first_id, run_id, job_id, step_number, lines FROM log_chunks WHERE last_id > ? AND ${filter}${jobFilter} ORDER BY last_id`).iterate(...args, ...(q.jobId !== undefined ? [q.jobId] : [])) as IterableIterator<Row>) {
      const [runId, jobId, stepNumber] = [c.run_id as string, c.job_id as string, c.step_number as number];
      const lines = JSON.parse(c.lines as string) as string[];
      for (let i = Math.max(0, since + 1 - (c.first_id as number)); i < lines.length && logs.length < limit; i++) {
        logs.push({ id: (c.first_id as number) + i, type: "step.log", runId, jobId, stepNumber, data: { runId, jobId, stepNumber, line: lines[i] } });
      }
      if (logs.length >= limit) break;
    }
    const all = [...events, ...logs].sort((a, b) => a.id - b.id).slice(0, limit);
    for (const e of all) if (e.type !== "step.log") Object.assign(e, routing(e));
    return all;
  }

  async lines(runId: string, jobId: string, stepNumber: number, from: number, limit: number): Promise<{ n: number; text: string }[]> {
    const out: { n: number; text: string }[] = [];
    const rows = this.db.prepare("SELECT first_line, lines FROM log_chunks WHERE run_id = ? AND job_id = ? AND step_number = ? AND first_line + n > ? ORDER BY first_line").iterate(runId, jobId, stepNumber, from) as IterableIterator<Row>;
    for (const c of rows) {
      const first = c.first_line as number;
      const lines = JSON.parse(c.lines as string) as string[];
      for (let i = Math.max(0, from - first); i < lines.length && out.length < limit; i++) out.push({ n: first + i + 1, text: lines[i] });
      if (out.length >= limit) break;
    }
    return out;
  }

  async count(runId: string, jobId: string, stepNumber: number): Promise<number> {
    return (this.db.prepare("SELECT COALESCE(MAX(first_line + n), 0) AS v FROM log_chunks WHERE run_id = ? AND job_id = ? AND step_number = ?").get(runId, jobId, stepNumber) as Row).v as number;
  }

  async all(runId: string, jobId?: string, stepNumber?: number): Promise<LogLine[]> {
    let sql = "SELECT job_id, step_number, lines FROM log_chunks WHERE run_id = ?";
    const args: unknown[] = [runId];
    if (jobId !== undefined) (sql += " AND job_id = ?"), args.push(jobId);
    if (stepNumber !== undefined) (sql += " AND step_number = ?"), args.push(stepNumber);
    const out: LogLine[] = [];
    for (const c of this.db.prepare(`${sql} ORDER BY first_id`).all(...args) as Row[]) {
      for (const line of JSON.parse(c.lines as string) as string[]) out.push({ jobId: c.job_id as string, stepNumber: c.step_number as number, line });
    }
    return out;
  }
}

/** The seed's routing fields of an event, from its payload. */
function routing(e: StoredEvent): Partial<StoredEvent> {
  const d = e.data as { jobId?: string; stepNumber?: number };
  return { ...(d.jobId !== undefined ? { jobId: d.jobId } : {}), ...(d.stepNumber !== undefined ? { stepNumber: d.stepNumber } : {}) };
}
