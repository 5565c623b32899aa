/**
 * Log line times in the SQLite store (issue 25, the log viewer's timestamps): each stored chunk
 * keeps when it was written and pages of a step's lines carry it as `t`; a store written before
 * the times were kept (schema version 3) opens with its lines readable and without times.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { makeEvent } from "../../src/contract/index.js";
import { openStore } from "../../src/store/index.js";
import { SqliteDb } from "../../src/store/sqlite-db.js";
import { tempDir } from "../helpers/temp.js";

const line = (text: string) =>
  makeEvent("step.log", { runId: "run1", jobId: "build", stepNumber: 1, line: `${text}\n` });

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
    const before = Date.now();
    await store.events.append([line("new 3"), line("new 4")]);
    const between = Date.now();
    // A later batch is a later chunk: its own time.
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
    assert.ok(a.t !== undefined && a.t >= before && a.t <= between, `t ${a.t} within the first append`);
    assert.equal(b.t, a.t, "one time per batch");
    assert.ok(c.t !== undefined && c.t > a.t && c.t <= afterAll, `t ${c.t} of the second batch is later`);
    // A page from the middle of a chunk carries the chunk's time too.
    assert.deepEqual(await store.logs.lines("run1", "build", 1, 3, 1), [{ n: 4, text: "new 4\n", t: a.t }]);
  } finally {
    await store.close();
  }
});
