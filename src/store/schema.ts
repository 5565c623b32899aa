/** The SQLite schema; `CREATE … IF NOT EXISTS` so opening an existing store is a no-op. */
export const SCHEMA = `
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
-- Repository variables (the vars context): plain text, they are not secret.
CREATE TABLE IF NOT EXISTS vars (name TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS artifacts (
  id TEXT PRIMARY KEY, run_id TEXT NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL, mime_type TEXT NOT NULL,
  created_at TEXT NOT NULL, path TEXT NOT NULL, is_dir INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS artifacts_run ON artifacts (run_id);
`;
