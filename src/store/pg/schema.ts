import type { PoolClient } from "pg";

/**
 * The PostgreSQL schema, by version. Every table carries the workspace key; event ids come from
 * one counter row whose lock is held to commit, so they are assigned in commit order.
 */
const VERSIONS: string[] = [
  `
CREATE TABLE stax_counters (key text PRIMARY KEY, value bigint NOT NULL);
INSERT INTO stax_counters VALUES ('event_id', 0);
CREATE TABLE stax_run_numbers (workspace text PRIMARY KEY, n integer NOT NULL);
CREATE TABLE stax_runs (workspace text NOT NULL, id text NOT NULL, number integer NOT NULL, workflow text NOT NULL,
  status text NOT NULL, conclusion text, workflow_file text NOT NULL, created_at text NOT NULL, data text NOT NULL,
  PRIMARY KEY (workspace, id));
CREATE INDEX stax_runs_number ON stax_runs (workspace, number DESC);
CREATE TABLE stax_events (id bigint PRIMARY KEY, workspace text NOT NULL, run_id text NOT NULL, job_id text, type text NOT NULL, data text NOT NULL);
CREATE INDEX stax_events_ws ON stax_events (workspace, id);
CREATE INDEX stax_events_run ON stax_events (workspace, run_id, id);
CREATE TABLE stax_log_chunks (first_id bigint PRIMARY KEY, last_id bigint NOT NULL, workspace text NOT NULL, run_id text NOT NULL,
  job_id text NOT NULL, step_number integer NOT NULL, first_line integer NOT NULL, n integer NOT NULL, lines text NOT NULL);
CREATE INDEX stax_log_chunks_ws ON stax_log_chunks (workspace, last_id);
CREATE INDEX stax_log_chunks_step ON stax_log_chunks (workspace, run_id, job_id, step_number, first_line);
CREATE TABLE stax_secrets (workspace text NOT NULL, name text NOT NULL, iv bytea NOT NULL, tag bytea NOT NULL, data bytea NOT NULL,
  updated_at text NOT NULL, PRIMARY KEY (workspace, name));
CREATE TABLE stax_artifacts (workspace text NOT NULL, id text NOT NULL, run_id text NOT NULL, name text NOT NULL, size bigint NOT NULL,
  mime_type text NOT NULL, created_at text NOT NULL, files text NOT NULL, is_dir boolean NOT NULL, PRIMARY KEY (workspace, id));
CREATE INDEX stax_artifacts_run ON stax_artifacts (workspace, run_id);
CREATE TABLE stax_blobs (workspace text NOT NULL, key text NOT NULL, seq integer NOT NULL, data bytea NOT NULL, PRIMARY KEY (workspace, key, seq));
CREATE TABLE stax_run_requests (workspace text NOT NULL, run_id text NOT NULL, request text NOT NULL, created_at bigint NOT NULL,
  owner text, lease_until bigint, done boolean NOT NULL DEFAULT false, cancel boolean NOT NULL DEFAULT false, PRIMARY KEY (workspace, run_id));
`,
  `
CREATE TABLE stax_legs (id text PRIMARY KEY, workspace text NOT NULL, run_id text NOT NULL, job_id text NOT NULL, labels text[] NOT NULL,
  spec text NOT NULL, state text NOT NULL DEFAULT 'queued', worker text, lease_until bigint, cancel integer NOT NULL DEFAULT 0,
  result text, created_at bigint NOT NULL);
CREATE INDEX stax_legs_queued ON stax_legs (created_at) WHERE state = 'queued';
CREATE INDEX stax_legs_worker ON stax_legs (worker) WHERE state = 'running';
CREATE TABLE stax_workers (name text PRIMARY KEY, labels text[] NOT NULL, slots integer NOT NULL, in_hand integer NOT NULL DEFAULT 0,
  heartbeat bigint NOT NULL, started_at bigint NOT NULL);
`,
  // Repository variables (the vars context): plain text, they are not secret.
  `
CREATE TABLE stax_vars (workspace text NOT NULL, name text NOT NULL, value text NOT NULL, updated_at text NOT NULL, PRIMARY KEY (workspace, name));
`,
  // When each log chunk was written (ms since the epoch), for the log viewer's timestamps; older
  // chunks keep NULL. A new column needs no new grant: the worker's INSERT is on the whole table.
  `
ALTER TABLE stax_log_chunks ADD COLUMN written_at bigint;
`,
];

/** A fixed key for the migration lock: processes starting at once migrate one after the other. */
const MIGRATION_LOCK = 0x5741_5801;

/** The newest schema version this code knows. */
export const SCHEMA_VERSION = VERSIONS.length;

/** The database's schema version: 0 before the first migration. Needs no privilege beyond reading. */
export async function schemaVersion(client: PoolClient): Promise<number> {
  const { rows } = await client.query<{ t: string | null }>("SELECT to_regclass('stax_schema')::text AS t");
  if (!rows[0]?.t) return 0;
  return (await client.query<{ v: number | null }>("SELECT MAX(version) AS v FROM stax_schema")).rows[0]?.v ?? 0;
}

/**
 * Applies the versions not applied yet, each in its own transaction, under an advisory lock. A
 * database already at this version is left alone without a lock or any DDL, so a role that may
 * not create tables (a worker's, docs/scale-out.md "Security") connects to a migrated database.
 */
export async function migrate(client: PoolClient): Promise<void> {
  if ((await schemaVersion(client)) >= SCHEMA_VERSION) return;
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await client.query("CREATE TABLE IF NOT EXISTS stax_schema (version integer NOT NULL)");
    const { rows } = await client.query<{ v: number | null }>("SELECT MAX(version) AS v FROM stax_schema");
    for (let v = (rows[0]?.v ?? 0) + 1; v <= VERSIONS.length; v++) {
      await client.query(VERSIONS[v - 1]);
      await client.query("INSERT INTO stax_schema (version) VALUES ($1)", [v]);
    }
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    // 42501: insufficient privilege — a least-privilege role met a database older than this stax.
    if ((err as { code?: string }).code === "42501")
      throw new Error(
        `${(err as Error).message}: the schema needs version ${SCHEMA_VERSION}; run \`stax db migrate\` once with the owner's role`,
      );
    throw err;
  }
}
