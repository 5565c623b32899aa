/**
 * The embedded SQLite store held to the store contract (`contract.ts`), and what only it has:
 * gap-free ids, several processes drawing run numbers from one file, the migrations of older
 * files, and one clear error for a file that cannot be opened.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { StaxError, type StoredEvent } from "../../src/contract/index.js";
import { SqliteDb } from "../../src/store/sqlite-db.js";
import { openStore, storedVars } from "../../src/store/index.js";
import { tempDir } from "../helpers/temp.js";
import { log, storeContract, using } from "./contract.js";

const ROOT = join(import.meta.dirname, "..", "..");

// A workspace's store is the folder named after it: the same name opens the same file.
const root = tempDir("stax-contract-");
storeContract("SQLite", async (ws, opts) => openStore(join(root, ws), opts));

test("SQLite: ids are gap-free in one file: two connections' batches get 1, 2, 3 … in commit order", async () => {
  const dir = tempDir("stax-store-");
  await using([Promise.resolve(openStore(dir)), Promise.resolve(openStore(dir))], async (a, b) => {
    for (let round = 0; round < 3; round++) {
      await a.events.append(Array.from({ length: 30 }, (_, i) => log("ra", round * 30 + i)));
      await b.events.append(Array.from({ length: 20 }, (_, i) => log("rb", round * 20 + i)));
    }
    assert.deepEqual(
      (await a.events.readSince(0, { limit: 1000 })).map((e) => e.id),
      Array.from({ length: 150 }, (_, i) => i + 1),
    );
  });
});

test("SQLite: run numbers are drawn atomically: two processes drawing 200 numbers each at once get 400 different numbers", async () => {
  const dir = tempDir("stax-numbers-");
  openStore(dir).close();
  const script = `import { openStore } from ${JSON.stringify(join(ROOT, "src/store/index.ts"))};
const s = openStore(process.argv[1]); const out = [];
for (let i = 0; i < 200; i++) out.push(await s.runs.nextNumber());
await s.close(); console.log(JSON.stringify(out));`;
  const draw = () =>
    new Promise<number[]>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, dir], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d));
      child.on("close", (code) =>
        code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`exit ${code}`)),
      );
    });
  const [x, y] = await Promise.all([draw(), draw()]);
  const all = [...x, ...y];
  assert.equal(new Set(all).size, 400, "no number drawn twice");
  assert.deepEqual(
    [...all].sort((p, q) => p - q),
    Array.from({ length: 400 }, (_, i) => i + 1),
  );
});

test("SQLite: a version-1 store opens migrated: runs, events and log lines kept, lines numbered per step, the event counter goes on", async () => {
  const dir = tempDir("stax-migrate-");
  const db = SqliteDb.open(join(dir, "stax.db"), 5000);
  db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (id TEXT PRIMARY KEY, number INTEGER NOT NULL, workflow TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE events (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE log_chunks (first_id INTEGER PRIMARY KEY, last_id INTEGER NOT NULL, run_id TEXT NOT NULL, job_id TEXT NOT NULL, step_number INTEGER NOT NULL, lines TEXT NOT NULL);
CREATE TABLE secrets (name TEXT PRIMARY KEY, iv BLOB NOT NULL, tag BLOB NOT NULL, data BLOB NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE artifacts (id TEXT PRIMARY KEY, run_id TEXT NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL, mime_type TEXT NOT NULL, created_at TEXT NOT NULL, path TEXT NOT NULL, is_dir INTEGER NOT NULL);`);
  const run = {
    id: "old1",
    number: 7,
    workflow: "ci",
    workflowFile: "ci.yml",
    status: "completed",
    conclusion: "success",
    jobs: [],
    createdAt: "2026-01-01T00:00:00.000Z",
    trigger: { event: "push", ref: "", sha: "" },
    inputs: {},
  };
  db.prepare("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)").run(
    run.id,
    7,
    "ci",
    "completed",
    run.createdAt,
    JSON.stringify(run),
  );
  db.prepare("INSERT INTO log_chunks VALUES (?, ?, ?, ?, ?, ?)").run(
    1,
    2,
    "old1",
    "j",
    1,
    JSON.stringify(["a\n", "b\n"]),
  );
  db.prepare("INSERT INTO log_chunks VALUES (?, ?, ?, ?, ?, ?)").run(
    4,
    5,
    "old1",
    "j",
    1,
    JSON.stringify(["c\n", "d\n"]),
  );
  db.prepare("INSERT INTO meta VALUES ('event_id', '5')").run();
  db.close();
  const s = openStore(dir);
  try {
    assert.equal((await s.runs.find("7")) && ((await s.runs.find("7")) as { id: string }).id, "old1");
    assert.deepEqual(
      (await s.logs.lines("old1", "j", 1, 1, 10)).map((l) => [l.n, l.text]),
      [
        [2, "b\n"],
        [3, "c\n"],
        [4, "d\n"],
      ],
    );
    const [e] = await s.events.append([log("new", 0)]);
    assert.equal((e as StoredEvent).id, 6);
    assert.equal(await s.runs.nextNumber(), 8);
  } finally {
    await s.close();
  }
});

test("SQLite: a store whose vars table predates the workspace key keeps its variables after the migration", async () => {
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

test("SQLite: a store that cannot be opened is one STORE_UNAVAILABLE error naming the file and the cause", () => {
  const dir = tempDir("stax-corrupt-");
  writeFileSync(
    join(dir, "stax.db"),
    "this is not a database, just text that is long enough to have a header ".repeat(20),
  );
  assert.throws(
    () => openStore(dir),
    (err: unknown) =>
      err instanceof StaxError &&
      err.code === "STORE_UNAVAILABLE" &&
      err.message.includes(join(dir, "stax.db")) &&
      /not a valid SQLite database/.test(err.message),
  );
});
