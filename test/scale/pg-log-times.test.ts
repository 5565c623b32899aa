/**
 * Log line times in the PostgreSQL store (issue 25, the log viewer's timestamps): schema version
 * 4 keeps when each chunk was written and pages carry it as `t`; a database migrated from version
 * 3 keeps its older lines readable, without times.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { makeEvent } from "../../src/contract/index.js";
import { PgStore } from "../../src/store/pg/pg-store.js";
import { SCHEMA_VERSION } from "../../src/store/pg/schema.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";

let server: TestPostgres;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

const line = (text: string) =>
  makeEvent("step.log", { runId: "run1", jobId: "build", stepNumber: 1, line: `${text}\n` });

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

    const before = Date.now();
    await store.events.append([line("new 3"), line("new 4")]);
    const between = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    await store.events.append([line("new 5")]);
    const afterAll = Date.now();

    const page = await store.logs.page("run1", "build", 1, 0, 10);
    assert.equal(page.total, 5);
    assert.deepEqual(
      page.lines.slice(0, 2),
      [
        { n: 1, text: "old 1\n" },
        { n: 2, text: "old 2\n" },
      ],
      "old lines have no `t` at all",
    );
    const [a, b, c] = page.lines.slice(2);
    assert.deepEqual([a.text, b.text, c.text], ["new 3\n", "new 4\n", "new 5\n"]);
    assert.equal(typeof a.t, "number", "a number, not the driver's string for a bigint");
    assert.ok(a.t! >= before && a.t! <= between, `t ${a.t} within the first append`);
    assert.equal(b.t, a.t, "one time per batch");
    assert.ok(c.t !== undefined && c.t > a.t! && c.t <= afterAll, `t ${c.t} of the second batch is later`);
    assert.deepEqual(await store.logs.lines("run1", "build", 1, 3, 1), [{ n: 4, text: "new 4\n", t: a.t }]);
  } finally {
    await store.close();
  }
});
