import { pgDriver } from "./driver.js";
import { StaxError, errorMessage } from "../../contract/index.js";
import { redactUrl } from "./pg-store.js";

/**
 * What a worker's database role may do, table by table, and nothing more (docs/scale-out.md,
 * "Security"). A worker claims legs and reports on them, writes its legs' events, log lines,
 * artifacts and cache entries, and reads the blobs its legs need (the run's source, artifacts,
 * caches). It cannot create or change runs, run requests or legs' specs (no INSERT on `stax_legs`:
 * whoever can enqueue a leg runs code on every worker), and reads no secrets but the sealed ones
 * inside the legs it may claim: not `stax_secrets`, not the run requests' own secrets, not variables.
 */
const WORKER_PRIVILEGES: [table: string, privileges: string, why: string][] = [
  ["stax_schema", "SELECT", "checks the schema version at start"],
  ["stax_counters", "SELECT, UPDATE", "takes event ids for its legs' events"],
  ["stax_events", "SELECT, INSERT", "appends its legs' job and step events, and reads back what it committed"],
  ["stax_log_chunks", "SELECT, INSERT", "appends its legs' log lines, and reads back what it committed"],
  [
    "stax_blobs",
    "SELECT, INSERT, DELETE",
    "the run's source bundle, artifacts and actions/cache entries (and their eviction)",
  ],
  [
    "stax_artifacts",
    "SELECT, INSERT, UPDATE (size, files)",
    "upload-artifact (overwrite: true replaces) and download-artifact",
  ],
  ["stax_legs", "SELECT", "claims queued legs whose labels it has"],
  ["stax_legs", "UPDATE (state, worker, lease_until, result)", "claim, heartbeat and result; never a leg's spec"],
  ["stax_workers", "SELECT, INSERT, UPDATE, DELETE", "registers itself and heartbeats"],
];

const ROLE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The SQL that gives `role` (an existing role) a worker's privileges on the stax tables, one statement a line. */
export function workerGrants(role: string): string[] {
  if (!ROLE.test(role))
    throw new StaxError("BAD_REQUEST", `'${role}' is not a plain role name (letters, digits and _, at most 63)`);
  const who = `"${role}"`;
  return [
    `REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${who};`,
    `GRANT USAGE ON SCHEMA public TO ${who};`,
    ...WORKER_PRIVILEGES.map(([table, privileges, why]) => `GRANT ${privileges} ON ${table} TO ${who}; -- ${why}`),
  ];
}

/** Gives `role` a worker's privileges, as the role of `url` (the tables' owner). */
export async function grantWorker(url: string, role: string): Promise<void> {
  const statements = workerGrants(role);
  const client = new (await pgDriver()).Client({ connectionString: url });
  try {
    await client.connect();
    await client.query("BEGIN");
    for (const s of statements) await client.query(s);
    await client.query("COMMIT");
  } catch (err) {
    throw new StaxError(
      "STORE_UNAVAILABLE",
      `could not grant ${role} a worker's privileges at ${redactUrl(url)}: ${redactUrl(errorMessage(err))}`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}
