import Database from "better-sqlite3";
import { STATUSES, type ArtifactInfo, type ListRunsQuery, type SecretInfo, type SSEEvent, type StoredEvent, type WorkflowRun } from "../contract/index.js";
import type { ArtifactRecord, EncryptedSecret, LogLine, Store } from "./store.js";
import { SCHEMA } from "./schema.js";

type Row = Record<string, unknown>;

/** Log lines per stored chunk: few rows to write, little to parse to resume in the middle of one. */
const CHUNK_LINES = 1000;

/**
 * The embedded store: one SQLite file in WAL mode. Events (log lines included) are buffered in
 * memory and written in one transaction per tick or per 100 ms, whichever comes first; queries
 * flush first, so readers always see everything appended.
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private pending: StoredEvent[] = [];
  private nextId: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly insertEvent: Database.Statement;
  private readonly insertLog: Database.Statement;
  private upsertRun: Database.Statement | undefined;
  private selectRun: Database.Statement | undefined;
  private readonly writeBatch: Database.Transaction<(events: StoredEvent[]) => void>;
  private readonly committed: ((events: readonly StoredEvent[]) => void)[] = [];

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.exec(SCHEMA);
    // Ids never go back, not even when the newest runs are deleted: clients resume by id.
    this.nextId = (this.db.prepare("SELECT MAX(COALESCE((SELECT MAX(id) FROM events), 0), COALESCE((SELECT MAX(last_id) FROM log_chunks), 0), COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'event_id'), 0)) AS m").get() as Row).m as number;
    const saveLastId = this.db.prepare("INSERT INTO meta (key, value) VALUES ('event_id', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    this.insertEvent = this.db.prepare("INSERT INTO events (id, run_id, type, data) VALUES (?, ?, ?, ?)");
    this.insertLog = this.db.prepare("INSERT INTO log_chunks (first_id, last_id, run_id, job_id, step_number, lines) VALUES (?, ?, ?, ?, ?, ?)");
    const readLastId = this.db.prepare("SELECT CAST(value AS INTEGER) AS v FROM meta WHERE key = 'event_id'");
    this.writeBatch = this.db.transaction((events: StoredEvent[]) => {
      // Another process (an in-process `stax run` beside the runner) may have written events since
      // ids were handed out: go on from the stored counter, under the write lock.
      const stored = ((readLastId.get() as Row | undefined)?.v as number | undefined) ?? 0;
      if (stored >= events[0].id) {
        let id = stored;
        for (const e of events) e.id = ++id;
        this.nextId = id;
      }
      let chunk: Extract<StoredEvent, { type: "step.log" }>[] = [];
      const writeChunk = () => {
        if (!chunk.length) return;
        const [a, z] = [chunk[0], chunk[chunk.length - 1]];
        this.insertLog.run(a.id, z.id, a.runId, a.data.jobId, a.data.stepNumber, JSON.stringify(chunk.map((e) => e.data.line)));
        chunk = [];
      };
      for (const e of events) {
        if (e.type === "step.log") {
          const last = chunk[chunk.length - 1];
          if (last && (chunk.length >= CHUNK_LINES || last.id !== e.id - 1 || last.runId !== e.runId || last.data.jobId !== e.data.jobId || last.data.stepNumber !== e.data.stepNumber)) writeChunk();
          chunk.push(e);
        } else {
          writeChunk();
          this.insertEvent.run(e.id, e.runId, e.type, JSON.stringify(e.data));
        }
      }
      writeChunk();
      saveLastId.run(String(events[events.length - 1].id));
    });
  }

  nextRunNumber(): number {
    const row = this.db.prepare("SELECT MAX(number) AS m FROM runs").get() as Row;
    const fromCounter = this.db.prepare("SELECT value FROM meta WHERE key = 'run_number'").get() as Row | undefined;
    const n = Math.max((row.m as number | null) ?? 0, Number(fromCounter?.value ?? 0)) + 1;
    this.db.prepare("INSERT INTO meta (key, value) VALUES ('run_number', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(n));
    return n;
  }

  saveRun(run: WorkflowRun): void {
    // Prepared once: a run is saved at every job and step change.
    this.upsertRun ??= this.db.prepare("INSERT INTO runs (id, number, workflow, status, created_at, data) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET status = excluded.status, data = excluded.data");
    this.upsertRun.run(run.id, run.number, run.workflow, run.status, run.createdAt, JSON.stringify(run));
  }

  getRun(id: string): WorkflowRun | undefined {
    this.selectRun ??= this.db.prepare("SELECT data FROM runs WHERE id = ?");
    const row = this.selectRun.get(id) as Row | undefined;
    return row ? (JSON.parse(row.data as string) as WorkflowRun) : undefined;
  }

  listRuns(q: ListRunsQuery): WorkflowRun[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.status && (STATUSES as readonly string[]).includes(q.status)) (where.push("status = ?"), args.push(q.status));
    else if (q.status) (where.push("status = 'completed' AND json_extract(data, '$.conclusion') = ?"), args.push(q.status));
    if (q.workflow) (where.push("(workflow = ? OR json_extract(data, '$.workflowFile') LIKE ?)"), args.push(q.workflow, `%${q.workflow}%`));
    if (q.before) (where.push("number < ?"), args.push(q.before));
    const sql = `SELECT data FROM runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY number DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, q.limit ?? 50) as Row[]).map((r) => JSON.parse(r.data as string));
  }

  findRun(ref: string): WorkflowRun | "ambiguous" | undefined {
    if (ref === "last") return this.listRuns({ limit: 1 })[0];
    const exact = this.getRun(ref);
    if (exact) return exact;
    if (/^\d+$/.test(ref)) {
      const row = this.db.prepare("SELECT data FROM runs WHERE number = ?").get(Number(ref)) as Row | undefined;
      if (row) return JSON.parse(row.data as string);
    }
    if (!/^[0-9a-f]+$/i.test(ref)) return undefined;
    const rows = this.db.prepare("SELECT data FROM runs WHERE id LIKE ? LIMIT 2").all(`${ref.toLowerCase()}%`) as Row[];
    if (rows.length > 1) return "ambiguous";
    return rows[0] ? JSON.parse(rows[0].data as string) : undefined;
  }

  deleteRun(id: string): void {
    this.flush();
    this.db.transaction(() => {
      for (const table of ["events", "log_chunks", "artifacts"]) this.db.prepare(`DELETE FROM ${table} WHERE run_id = ?`).run(id);
      this.db.prepare("DELETE FROM runs WHERE id = ?").run(id);
    })();
  }

  appendEvent(event: SSEEvent): StoredEvent {
    // The event is the engine's own, made for this call: it gets its id in place (no copy per log line).
    const stored = event as StoredEvent;
    stored.id = ++this.nextId;
    this.pending.push(stored);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), 100);
      setImmediate(() => this.flush());
    }
    return stored;
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.writeBatch.immediate(batch);
    for (const listener of this.committed) listener(batch);
  }

  onCommit(listener: (events: readonly StoredEvent[]) => void): void {
    this.committed.push(listener);
  }

  lastEventId(): number {
    return this.nextId;
  }

  eventsSince(since: number, runId?: string, limit = 100_000): StoredEvent[] {
    this.flush();
    const filter = runId ? "AND run_id = ?" : "";
    const args = runId ? [since, runId] : [since];
    const events = (this.db.prepare(`SELECT id, run_id, type, data FROM events WHERE id > ? ${filter} ORDER BY id LIMIT ?`).all(...args, limit) as Row[]).map(
      (r) => ({ id: r.id, type: r.type, runId: r.run_id, data: JSON.parse(r.data as string) }) as StoredEvent,
    );
    const logs: StoredEvent[] = [];
    // Chunks in id order, read only until `limit` lines are found (a chunk holds many).
    for (const c of this.db.prepare(`SELECT first_id, run_id, job_id, step_number, lines FROM log_chunks WHERE last_id > ? ${filter} ORDER BY last_id`).iterate(...args) as IterableIterator<Row>) {
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

  logs(runId: string, jobId?: string, stepNumber?: number): LogLine[] {
    this.flush();
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

  putSecret(s: EncryptedSecret): void {
    this.putSecrets([s]);
  }

  putSecrets(list: EncryptedSecret[]): void {
    const put = this.db.prepare("INSERT INTO secrets (name, iv, tag, data, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET iv = excluded.iv, tag = excluded.tag, data = excluded.data, updated_at = excluded.updated_at");
    this.db.transaction(() => {
      for (const s of list) put.run(s.name, s.iv, s.tag, s.data, s.updatedAt);
    })();
  }

  getSecret(name: string): EncryptedSecret | undefined {
    const r = this.db.prepare("SELECT name, iv, tag, data, updated_at FROM secrets WHERE name = ?").get(name) as Row | undefined;
    return r ? { name: r.name as string, iv: r.iv as Buffer, tag: r.tag as Buffer, data: r.data as Buffer, updatedAt: r.updated_at as string } : undefined;
  }

  listSecrets(): SecretInfo[] {
    return (this.db.prepare("SELECT name, updated_at FROM secrets ORDER BY name").all() as Row[]).map((r) => ({ name: r.name as string, updatedAt: r.updated_at as string }));
  }

  deleteSecret(name: string): boolean {
    return this.db.prepare("DELETE FROM secrets WHERE name = ?").run(name).changes > 0;
  }

  addArtifact(a: ArtifactRecord): void {
    this.db.prepare("INSERT OR REPLACE INTO artifacts (id, run_id, name, size, mime_type, created_at, path, is_dir) VALUES (?, ?, ?, ?, ?, ?, ?, ?)").run(a.id, a.runId, a.name, a.size, a.mimeType, a.createdAt, a.path, a.isDirectory ? 1 : 0);
  }

  listArtifacts(runId: string): ArtifactRecord[] {
    return (this.db.prepare("SELECT * FROM artifacts WHERE run_id = ? ORDER BY created_at, name").all(runId) as Row[]).map((r) => ({
      id: r.id as string,
      runId: r.run_id as string,
      name: r.name as string,
      size: r.size as number,
      mimeType: r.mime_type as string,
      createdAt: r.created_at as string,
      path: r.path as string,
      isDirectory: r.is_dir === 1,
    }));
  }

  unfinishedRuns(): WorkflowRun[] {
    return (this.db.prepare("SELECT data FROM runs WHERE status != 'completed'").all() as Row[]).map((r) => JSON.parse(r.data as string));
  }

  expiredRuns(maxRuns: number, maxAgeDays: number, now: Date): string[] {
    const ids = new Set<string>();
    if (maxRuns > 0) for (const r of this.db.prepare("SELECT id FROM runs WHERE status = 'completed' ORDER BY number DESC LIMIT -1 OFFSET ?").all(maxRuns) as Row[]) ids.add(r.id as string);
    if (maxAgeDays > 0) {
      const cutoff = new Date(now.getTime() - maxAgeDays * 86_400_000).toISOString();
      for (const r of this.db.prepare("SELECT id FROM runs WHERE status = 'completed' AND created_at < ?").all(cutoff) as Row[]) ids.add(r.id as string);
    }
    return [...ids];
  }

  close(): void {
    this.flush();
    this.db.close();
  }
}

/** The seed's routing fields of an event, from its payload. */
function routing(e: StoredEvent): Partial<StoredEvent> {
  const d = e.data as { jobId?: string; stepNumber?: number };
  return { ...(d.jobId !== undefined ? { jobId: d.jobId } : {}), ...(d.stepNumber !== undefined ? { stepNumber: d.stepNumber } : {}) };
}

export type { ArtifactInfo };
