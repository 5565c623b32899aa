import { SqliteDb, type Param, type Statement, type Transaction } from "./sqlite-db.js";
import { STATUSES, type ListRunsQuery, type VarInfo, type WorkflowRun } from "../contract/index.js";
import { FileBlobs } from "./file-blobs.js";
import { migrate } from "./schema.js";
import { SqliteEventLog } from "./sqlite-events.js";
import { SqliteQueue } from "./sqlite-queue.js";
import {
  runBlobPrefixes,
  type StoreOptions,
  type ArtifactRecord,
  type ArtifactRecords,
  type EncryptedSecret,
  type RunStore,
  type SecretStore,
  type Store,
  type VarStore,
} from "./store.js";

type Row = Record<string, unknown>;

/**
 * The embedded store: one SQLite file in WAL mode (Node's synchronous `node:sqlite` calls behind
 * the async interfaces), blobs as files beside it. Several processes may open one file: the runner
 * `follow`s the event counter, so events another process commits reach its subscribers live.
 */
export class SqliteStore implements Store {
  readonly events: SqliteEventLog;
  readonly runs: RunStore;
  readonly logs: SqliteEventLog;
  readonly secrets: SecretStore;
  readonly vars: VarStore;
  readonly artifacts: ArtifactRecords;
  readonly blobs: FileBlobs;
  readonly queue: SqliteQueue;
  private readonly db: SqliteDb;
  private poller: NodeJS.Timeout | undefined;

  constructor(
    file: string,
    readonly workspace: string,
    blobRoot: string,
    opts: StoreOptions = {},
  ) {
    this.db = SqliteDb.open(file, 5000);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    migrate(this.db, workspace);
    this.events = this.logs = new SqliteEventLog(this.db, workspace);
    this.blobs = new FileBlobs(blobRoot);
    this.runs = new SqliteRuns(this.db, workspace, this.blobs);
    this.secrets = new SqliteSecrets(this.db, workspace);
    this.vars = new SqliteVars(this.db, workspace);
    this.artifacts = new SqliteArtifacts(this.db, workspace);
    this.queue = new SqliteQueue(this.db, workspace, opts.clock);
  }

  follow(intervalMs = 50): void {
    if (this.poller) return;
    let seen = this.events.highWaterNow();
    this.events.feed.notify(seen);
    // One indexed read of the counter per interval; only a change reads events.
    this.poller = setInterval(() => {
      const now = this.events.highWaterNow();
      if (now > seen) this.events.feed.notify((seen = now));
    }, intervalMs);
    this.poller.unref();
  }

  async close(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    await this.events.feed.idle();
    this.db.close();
  }
}

class SqliteRuns implements RunStore {
  private readonly upsert: Statement;
  private readonly select: Statement;
  private readonly drawNumber: Transaction<[], number>;

  constructor(
    private readonly db: SqliteDb,
    private readonly ws: string,
    private readonly blobs: FileBlobs,
  ) {
    // Prepared once: a run is saved at every job and step change.
    this.upsert = db.prepare(
      "INSERT INTO runs (id, workspace, number, workflow, status, created_at, data) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET status = excluded.status, data = excluded.data",
    );
    this.select = db.prepare("SELECT data FROM runs WHERE id = ? AND workspace = ?");
    const key = `run_number:${ws}`;
    const read = db.prepare(
      "SELECT MAX(COALESCE((SELECT MAX(number) FROM runs WHERE workspace = ?), 0), COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?), 0), COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'run_number'), 0)) AS m",
    );
    const write = db.prepare(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    );
    // Read and write under one write lock (an IMMEDIATE transaction): two processes never draw the same number.
    this.drawNumber = db.transaction(() => {
      const n = ((read.get(ws, key) as Row).m as number) + 1;
      write.run(key, String(n));
      return n;
    });
  }

  async nextNumber(): Promise<number> {
    return this.drawNumber.immediate();
  }

  async save(run: WorkflowRun): Promise<void> {
    this.upsert.run(run.id, this.ws, run.number, run.workflow, run.status, run.createdAt, JSON.stringify(run));
  }

  async get(id: string): Promise<WorkflowRun | undefined> {
    const row = this.select.get(id, this.ws) as Row | undefined;
    return row ? (JSON.parse(row.data as string) as WorkflowRun) : undefined;
  }

  async list(q: ListRunsQuery): Promise<WorkflowRun[]> {
    const where = ["workspace = ?"];
    const args: Param[] = [this.ws];
    if (q.status && (STATUSES as readonly string[]).includes(q.status)) (where.push("status = ?"), args.push(q.status));
    else if (q.status)
      (where.push("status = 'completed' AND json_extract(data, '$.conclusion') = ?"), args.push(q.status));
    if (q.workflow)
      (where.push("(workflow = ? OR json_extract(data, '$.workflowFile') LIKE ?)"),
        args.push(q.workflow, `%${q.workflow}%`));
    if (q.before) (where.push("number < ?"), args.push(q.before));
    const sql = `SELECT data FROM runs WHERE ${where.join(" AND ")} ORDER BY number DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, q.limit ?? 50) as Row[]).map((r) => JSON.parse(r.data as string));
  }

  async find(ref: string): Promise<WorkflowRun | "ambiguous" | undefined> {
    if (ref === "last") return (await this.list({ limit: 1 }))[0];
    const exact = await this.get(ref);
    if (exact) return exact;
    if (/^\d+$/.test(ref)) {
      const row = this.db
        .prepare("SELECT data FROM runs WHERE number = ? AND workspace = ?")
        .get(Number(ref), this.ws) as Row | undefined;
      if (row) return JSON.parse(row.data as string);
    }
    if (!/^[0-9a-f]+$/i.test(ref)) return undefined;
    const rows = this.db
      .prepare("SELECT data FROM runs WHERE id LIKE ? AND workspace = ? LIMIT 2")
      .all(`${ref.toLowerCase()}%`, this.ws) as Row[];
    if (rows.length > 1) return "ambiguous";
    return rows[0] ? JSON.parse(rows[0].data as string) : undefined;
  }

  async delete(id: string): Promise<void> {
    this.db.transaction(() => {
      for (const table of ["events", "log_chunks", "artifacts", "run_requests"])
        this.db.prepare(`DELETE FROM ${table} WHERE run_id = ? AND workspace = ?`).run(id, this.ws);
      this.db.prepare("DELETE FROM runs WHERE id = ? AND workspace = ?").run(id, this.ws);
    })();
    for (const prefix of runBlobPrefixes(id)) await this.blobs.deletePrefix(prefix);
  }

  async unfinished(): Promise<WorkflowRun[]> {
    return (
      this.db.prepare("SELECT data FROM runs WHERE status != 'completed' AND workspace = ?").all(this.ws) as Row[]
    ).map((r) => JSON.parse(r.data as string));
  }

  async expired(maxRuns: number, maxAgeDays: number, now: Date): Promise<string[]> {
    const ids = new Set<string>();
    if (maxRuns > 0)
      for (const r of this.db
        .prepare(
          "SELECT id FROM runs WHERE status = 'completed' AND workspace = ? ORDER BY number DESC LIMIT -1 OFFSET ?",
        )
        .all(this.ws, maxRuns) as Row[])
        ids.add(r.id as string);
    if (maxAgeDays > 0) {
      const cutoff = new Date(now.getTime() - maxAgeDays * 86_400_000).toISOString();
      for (const r of this.db
        .prepare("SELECT id FROM runs WHERE status = 'completed' AND workspace = ? AND created_at < ?")
        .all(this.ws, cutoff) as Row[])
        ids.add(r.id as string);
    }
    return [...ids];
  }
}

class SqliteSecrets implements SecretStore {
  private readonly upsert: Statement;

  constructor(
    private readonly db: SqliteDb,
    private readonly ws: string,
  ) {
    this.upsert = db.prepare(
      "INSERT INTO secrets (name, workspace, iv, tag, data, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET iv = excluded.iv, tag = excluded.tag, data = excluded.data, updated_at = excluded.updated_at",
    );
  }

  async put(s: EncryptedSecret): Promise<void> {
    this.upsert.run(s.name, this.ws, s.iv, s.tag, s.data, s.updatedAt);
  }

  async putMany(secrets: EncryptedSecret[]): Promise<void> {
    this.db.transaction(() => {
      for (const s of secrets) this.upsert.run(s.name, this.ws, s.iv, s.tag, s.data, s.updatedAt);
    })();
  }

  async get(name: string): Promise<EncryptedSecret | undefined> {
    const r = this.db
      .prepare("SELECT name, iv, tag, data, updated_at FROM secrets WHERE name = ? AND workspace = ?")
      .get(name, this.ws) as Row | undefined;
    return r ? secret(r) : undefined;
  }

  async list(): Promise<EncryptedSecret[]> {
    return (
      this.db
        .prepare("SELECT name, iv, tag, data, updated_at FROM secrets WHERE workspace = ? ORDER BY name")
        .all(this.ws) as Row[]
    ).map(secret);
  }

  async delete(name: string): Promise<boolean> {
    return this.db.prepare("DELETE FROM secrets WHERE name = ? AND workspace = ?").run(name, this.ws).changes > 0;
  }
}

// node:sqlite reads a BLOB as a Uint8Array; the vault works on Buffers (a view, no copy).
const buf = (v: unknown): Buffer =>
  Buffer.isBuffer(v)
    ? v
    : Buffer.from((v as Uint8Array).buffer, (v as Uint8Array).byteOffset, (v as Uint8Array).byteLength);
const secret = (r: Row): EncryptedSecret => ({
  name: r.name as string,
  iv: buf(r.iv),
  tag: buf(r.tag),
  data: buf(r.data),
  updatedAt: r.updated_at as string,
});

class SqliteVars implements VarStore {
  constructor(
    private readonly db: SqliteDb,
    private readonly ws: string,
  ) {}

  async put(name: string, value: string): Promise<void> {
    this.db
      .prepare(
        "INSERT INTO vars (workspace, name, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(workspace, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
      )
      .run(this.ws, name, value, new Date().toISOString());
  }

  async list(): Promise<VarInfo[]> {
    return (
      this.db
        .prepare("SELECT name, value, updated_at FROM vars WHERE workspace = ? ORDER BY name")
        .all(this.ws) as Row[]
    ).map((r) => ({ name: r.name as string, value: r.value as string, updatedAt: r.updated_at as string }));
  }

  async delete(name: string): Promise<boolean> {
    return this.db.prepare("DELETE FROM vars WHERE workspace = ? AND name = ?").run(this.ws, name).changes > 0;
  }
}

class SqliteArtifacts implements ArtifactRecords {
  constructor(
    private readonly db: SqliteDb,
    private readonly ws: string,
  ) {}

  async add(a: ArtifactRecord): Promise<void> {
    this.db
      .prepare(
        "INSERT OR REPLACE INTO artifacts (id, workspace, run_id, name, size, mime_type, created_at, path, is_dir) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .run(
        a.id,
        this.ws,
        a.runId,
        a.name,
        a.size,
        a.mimeType,
        a.createdAt,
        JSON.stringify(a.files),
        a.isDirectory ? 1 : 0,
      );
  }

  async list(runId: string): Promise<ArtifactRecord[]> {
    return (
      this.db
        .prepare("SELECT * FROM artifacts WHERE run_id = ? AND workspace = ? ORDER BY created_at, name")
        .all(runId, this.ws) as Row[]
    ).map((r) => ({
      id: r.id as string,
      runId: r.run_id as string,
      name: r.name as string,
      size: r.size as number,
      mimeType: r.mime_type as string,
      createdAt: r.created_at as string,
      files: artifactFiles(r),
      isDirectory: r.is_dir === 1,
    }));
  }
}

/** The files of an artifact: a JSON list since version 2; before, the path of its file or folder. */
function artifactFiles(r: Row): string[] {
  const path = r.path as string;
  if (path.startsWith("[")) return JSON.parse(path) as string[];
  const marker = `/artifacts/${r.run_id as string}/${r.name as string}/`;
  const at = path.indexOf(marker);
  // A folder artifact of version 1: its files are whatever is under its blob prefix.
  return r.is_dir === 1 || at < 0 ? [] : [path.slice(at + marker.length)];
}
