import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { SqliteDb } from "../../src/store/sqlite-db.js";
import { openStore, storedVars } from "../../src/store/index.js";
import { tempDir } from "../helpers/temp.js";

test("CTX-08: stored variables are kept per workspace key, replaced by name, deleted once", async () => {
  const dir = join(tempDir("stax-vars-"), "ws-a");
  const store = openStore(dir);
  try {
    await store.vars.put("B", "1");
    await store.vars.put("A", "x");
    await store.vars.put("B", "2");
    assert.deepEqual((await store.vars.list()).map((v) => `${v.name}=${v.value}`), ["A=x", "B=2"]);
    assert.deepEqual(await storedVars(store), { A: "x", B: "2" });
    assert.equal(await store.vars.delete("A"), true);
    assert.equal(await store.vars.delete("A"), false);
  } finally {
    await store.close();
  }
});

test("a store whose vars table predates the workspace key keeps its variables after the migration", async () => {
  const dir = join(tempDir("stax-vars-"), "ws-old");
  await openStore(dir).close();
  const db = SqliteDb.open(join(dir, "stax.db"), 5000);
  db.exec("DROP TABLE vars; CREATE TABLE vars (name TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL)");
  db.prepare("INSERT INTO vars VALUES ('OLD', 'kept', '2026-01-01T00:00:00.000Z')").run();
  db.pragma("user_version = 2");
  db.close();
  const store = openStore(dir);
  try {
    assert.deepEqual(await storedVars(store), { OLD: "kept" });
    await store.vars.put("OLD", "new");
    assert.deepEqual(await storedVars(store), { OLD: "new" });
  } finally {
    await store.close();
  }
});
