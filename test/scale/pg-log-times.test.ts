/**
 * Log line times in the PostgreSQL store (issue 25, the log viewer's timestamps): schema version
 * 4 keeps when each chunk was written and pages carry it as `t`; a database migrated from version
 * 3 keeps its older lines readable, without times.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { PgStore } from "../../src/store/pg/pg-store.js";
import { SCHEMA_VERSION } from "../../src/store/pg/schema.js";
import { assertLineTimes } from "../helpers/line-times.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";

let server: TestPostgres;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

test("PostgreSQL: a step's lines come back with the time their batch was stored; lines written before schema version 4 have none", async () => {
  // A database at version 3 with two lines, as stax wrote them then: chunks without a time column.
  await (await PgStore.connect(server.url, "ws-times")).close();
  const owner = new pg.Client({ connectionString: server.url });
  await owner.connect();
  try {
    await owner.query("ALTER TABLE stax_log_chunks DROP COLUMN written_at");
    await owner.query("DELETE FROM stax_schema WHERE version > 3");
    await owner.query(
      "INSERT INTO stax_log_chunks (first_id, last_id, workspace, run_id, job_id, step_number, first_line, n, lines) VALUES (1, 2, 'ws-times', 'run1', 'build', 1, 0, 2, $1)",
      [JSON.stringify(["old 1\n", "old 2\n"])],
    );
    await owner.query("UPDATE stax_counters SET value = 2 WHERE key = 'event_id'");
  } finally {
    await owner.end();
  }

  const store = await PgStore.connect(server.url, "ws-times");
  try {
    const check = new pg.Client({ connectionString: server.url });
    await check.connect();
    assert.equal(
      (await check.query("SELECT MAX(version) AS v FROM stax_schema")).rows[0].v,
      SCHEMA_VERSION,
      "migrated again to the newest version",
    );
    await check.end();

    await assertLineTimes(store);
  } finally {
    await store.close();
  }
});
