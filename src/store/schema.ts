import type { SqliteDb } from "./sqlite-db.js";

/** Version 1: the first schema (`CREATE … IF NOT EXISTS`, so an existing store opens as is). */
const V1 = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, number INTEGER NOT NULL, workflow TEXT NOT NULL, status TEXT NOT NULL,
  created_at TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS runs_number ON runs (number);
CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_run ON events (run_id, id);
-- Log lines in chunks: the lines of consecutive event ids first_id..last_id of one step, as a JSON
-- array (one row per line would cost a SQLite insert per line).
CREATE TABLE IF NOT EXISTS log_chunks (
  first_id INTEGER PRIMARY KEY, last_id INTEGER NOT NULL, run_id TEXT NOT NULL, job_id TEXT NOT NULL,
  step_number INTEGER NOT NULL, lines TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS log_chunks_run ON log_chunks (run_id, job_id, step_number, first_id);
CREATE INDEX IF NOT EXISTS log_chunks_last ON log_chunks (last_id);
CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, iv BLOB NOT NULL, tag BLOB NOT NULL, data BLOB NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS artifacts (
  id TEXT PRIMARY KEY, run_id TEXT NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL, mime_type TEXT NOT NULL,
  created_at TEXT NOT NULL, path TEXT NOT NULL, is_dir INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS artifacts_run ON artifacts (run_id);
`;

/**
 * Version 2: a workspace key on every table (one database may serve many workspaces); each log
 * chunk knows its first line's number in the step and its line count (pages of a step's log are
 * read without reading the step); durable run requests with their lease and cancel flag.
 */
const V2 = `
ALTER TABLE runs ADD COLUMN workspace TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN workspace TEXT NOT NULL DEFAULT '';
ALTER TABLE log_chunks ADD COLUMN workspace TEXT NOT NULL DEFAULT '';
ALTER TABLE log_chunks ADD COLUMN first_line INTEGER;
ALTER TABLE log_chunks ADD COLUMN n INTEGER;
ALTER TABLE secrets ADD COLUMN workspace TEXT NOT NULL DEFAULT '';
ALTER TABLE artifacts ADD COLUMN workspace TEXT NOT NULL DEFAULT '';
CREATE TABLE run_requests (
  run_id TEXT PRIMARY KEY, workspace TEXT NOT NULL, request TEXT NOT NULL, created_at INTEGER NOT NULL,
  owner TEXT, lease_until INTEGER, done INTEGER NOT NULL DEFAULT 0, cancel INTEGER NOT NULL DEFAULT 0);
CREATE INDEX run_requests_open ON run_requests (workspace, done, created_at);
`;

/**
 * Version 3: repository variables (the `vars` context), plain text: they are not secret. A store
 * written by a development build before versioning may hold a `vars` table without the workspace
 * key: its rows are kept, under this store's workspace.
 */
function v3(db: SqliteDb, workspace: string): void {
  const old = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'vars'").get() !== undefined;
  if (old) db.exec("ALTER TABLE vars RENAME TO vars_unkeyed");
  db.exec(
    "CREATE TABLE vars (workspace TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (workspace, name))",
  );
  if (old) {
    db.prepare(
      "INSERT INTO vars (workspace, name, value, updated_at) SELECT ?, name, value, updated_at FROM vars_unkeyed",
    ).run(workspace);
    db.exec("DROP TABLE vars_unkeyed");
  }
}

/**
 * Version 4: when each log chunk was written (`written_at`, ms since the epoch), for the log
 * viewer's timestamps. Chunks of older stores keep NULL: their lines have no time. A store
 * rolled back to an older version by hand may have the column already.
 */
function v4(db: SqliteDb): void {
  const has = (db.prepare("SELECT name FROM pragma_table_info('log_chunks')").all() as { name: string }[]).some(
    (c) => c.name === "written_at",
  );
  if (!has) db.exec("ALTER TABLE log_chunks ADD COLUMN written_at INTEGER");
}

/** Brings a store to the current schema, in one transaction per version. */
export function migrate(db: SqliteDb, workspace: string): void {
  const version = db.pragma("user_version") as number;
  if (version < 1) db.transaction(() => (db.exec(V1), db.pragma("user_version = 1")))();
  if (version < 2) {
    db.transaction(() => {
      db.exec(V2);
      for (const t of ["runs", "events", "log_chunks", "secrets", "artifacts"])
        db.prepare(`UPDATE ${t} SET workspace = ?`).run(workspace);
      // Line numbers of chunks written before version 2, step by step in id order.
      const next = new Map<string, number>();
      const set = db.prepare("UPDATE log_chunks SET first_line = ?, n = ? WHERE first_id = ?");
      for (const c of db
        .prepare(
          "SELECT first_id, run_id, job_id, step_number, json_array_length(lines) AS n FROM log_chunks ORDER BY first_id",
        )
        .all() as { first_id: number; run_id: string; job_id: string; step_number: number; n: number }[]) {
        const key = `${c.run_id}\0${c.job_id}\0${c.step_number}`;
        const first = next.get(key) ?? 0;
        set.run(first, c.n, c.first_id);
        next.set(key, first + c.n);
      }
      db.exec("CREATE INDEX log_chunks_step ON log_chunks (run_id, job_id, step_number, first_line)");
      db.pragma("user_version = 2");
    })();
  }
  if (version < 3) db.transaction(() => (v3(db, workspace), db.pragma("user_version = 3")))();
  if (version < 4) db.transaction(() => (v4(db), db.pragma("user_version = 4")))();
}
