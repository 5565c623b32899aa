/**
 * Log line times in the SQLite store (issue 25, the log viewer's timestamps): each stored chunk
 * keeps when it was written and pages of a step's lines carry it as `t`; a store written before
 * the times were kept (schema version 3) opens with its lines readable and without times.
 */
import { join } from "node:path";
import { test } from "node:test";
import { openStore } from "../../src/store/index.js";
import { SqliteDb } from "../../src/store/sqlite-db.js";
import { assertLineTimes } from "../helpers/line-times.js";
import { tempDir } from "../helpers/temp.js";

test("a step's lines come back with the time their batch was stored; lines of a store from before the times have none", async () => {
  const dir = join(tempDir("stax-log-times-"), "ws");
  // A version-3 store with two lines, as stax wrote them then: chunks without a time column.
  await openStore(dir).close();
  const db = SqliteDb.open(join(dir, "stax.db"), 5000);
  db.exec("ALTER TABLE log_chunks DROP COLUMN written_at");
  db.prepare(
    "INSERT INTO log_chunks (first_id, last_id, workspace, run_id, job_id, step_number, first_line, n, lines) VALUES (1, 2, 'ws', 'run1', 'build', 1, 0, 2, ?)",
  ).run(JSON.stringify(["old 1\n", "old 2\n"]));
  db.prepare("INSERT INTO meta (key, value) VALUES ('event_id', '2')").run();
  db.pragma("user_version = 3");
  db.close();

  const store = openStore(dir);
  try {
    await assertLineTimes(store);
  } finally {
    await store.close();
  }
});
