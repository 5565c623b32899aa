/**
 * The SQLite store behind its async interfaces: several processes on one file (the runner and an
 * in-process `stax run`), commit-ordered ids, atomic run numbers, step logs by range, durable run
 * requests with leases, the migration of a version-1 store, and one clear error for a store that
 * cannot be opened.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { SqliteDb } from "../../src/store/sqlite-db.js";
import { makeEvent, StaxError, type StoredEvent } from "../../src/contract/index.js";
import { openStore } from "../../src/store/index.js";
import { tempDir } from "../helpers/temp.js";

const log = (runId: string, i: number, stepNumber = 1) => makeEvent("step.log", { runId, jobId: "j", stepNumber, line: `${runId} ${i}\n` });
const ROOT = join(import.meta.dirname, "..", "..");

test("two connections appending to one store interleave by batch with unique ids in commit order; each one's feed delivers every event once, in order", async () => {
  const dir = tempDir("stax-store-");
  const a = openStore(dir);
  const b = openStore(dir);
  const seenByA: number[] = [];
  a.events.onCommit((batch) => seenByA.push(...batch.map((e) => e.id)));
  a.follow(5);
  try {
    for (let round = 0; round < 5; round++) {
      await a.events.append(Array.from({ length: 300 }, (_, i) => log("ra", round * 300 + i)));
      await b.events.append(Array.from({ length: 200 }, (_, i) => log("rb", round * 200 + i)));
    }
    const all = await a.events.readSince(0, { limit: 10_000 });
    assert.equal(all.length, 2500);
    assert.deepEqual(all.map((e) => e.id), Array.from({ length: 2500 }, (_, i) => i + 1), "ids unique and without gaps");
    assert.deepEqual((await a.logs.all("rb")).map((l) => l.line), Array.from({ length: 1000 }, (_, i) => `rb ${i}\n`));
    assert.deepEqual((await b.logs.all("ra")).map((l) => l.line), Array.from({ length: 1500 }, (_, i) => `ra ${i}\n`));
    assert.equal(await b.events.highWater(), 2500);
    for (const t = Date.now(); seenByA.length < 2500 && Date.now() - t < 5000; ) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(seenByA, Array.from({ length: 2500 }, (_, i) => i + 1), "A's listeners got B's batches too, between its own, in id order");
  } finally {
    await a.close();
    await b.close();
  }
});

test("run numbers are drawn atomically: two processes drawing 200 numbers each at once get 400 different numbers", async () => {
  const dir = tempDir("stax-numbers-");
  openStore(dir).close();
  const script = `import { openStore } from ${JSON.stringify(join(ROOT, "src/store/index.ts"))};
const s = openStore(process.argv[1]); const out = [];
for (let i = 0; i < 200; i++) out.push(await s.runs.nextNumber());
await s.close(); console.log(JSON.stringify(out));`;
  const draw = () =>
    new Promise<number[]>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, dir], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d));
      child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`exit ${code}`))));
    });
  const [x, y] = await Promise.all([draw(), draw()]);
  const all = [...x, ...y];
  assert.equal(new Set(all).size, 400, "no number drawn twice");
  assert.deepEqual([...all].sort((p, q) => p - q), Array.from({ length: 400 }, (_, i) => i + 1));
});

test("a step's log lines are read by range with their line numbers, without reading the whole step", async () => {
  const dir = tempDir("stax-lines-");
  const s = openStore(dir);
  try {
    // Three batches, interleaved with another step: chunks of one step carry their first line's number.
    for (let batch = 0; batch < 3; batch++) {
      await s.events.append([...Array.from({ length: 1500 }, (_, i) => log("r", batch * 1500 + i)), log("r", 99, 2)]);
    }
    assert.equal(await s.logs.count("r", "j", 1), 4500);
    assert.equal(await s.logs.count("r", "j", 2), 3);
    const page = await s.logs.lines("r", "j", 1, 2990, 20);
    assert.deepEqual(page.map((l) => l.n), Array.from({ length: 20 }, (_, i) => 2991 + i));
    assert.deepEqual(page.map((l) => l.text), Array.from({ length: 20 }, (_, i) => `r ${2990 + i}\n`));
    assert.deepEqual(await s.logs.lines("r", "j", 1, 4500, 10), []);
  } finally {
    await s.close();
  }
});

test("run requests are durable and claimed with a lease: another owner cannot claim a live lease, can claim a lapsed one; cancel is a flag any process sees", async () => {
  const dir = tempDir("stax-queue-");
  const a = openStore(dir);
  await a.queue.enqueue("r1", { workflow: "ci.yml", event: "push", inputs: { x: "1" }, env: { E: "2" }, actions: { "o/r@v1": "/tmp/x" } });
  await a.close();
  const b = openStore(dir);
  const c = openStore(dir);
  try {
    assert.deepEqual(await b.queue.request("r1"), { workflow: "ci.yml", event: "push", inputs: { x: "1" }, env: { E: "2" }, actions: { "o/r@v1": "/tmp/x" } }, "the request survived closing the store");
    assert.equal((await b.queue.claim("B", 150))?.runId, "r1");
    assert.equal(await c.queue.claim("C", 150), undefined, "the lease is live");
    assert.equal(await b.queue.owner("r1", new Date()), "B");
    assert.equal(await b.queue.heartbeat("r1", "B", 150), true);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await c.queue.owner("r1", new Date()), undefined, "lapsed");
    assert.equal((await c.queue.claim("C", 1000))?.runId, "r1", "a lapsed lease is taken over");
    assert.equal(await b.queue.heartbeat("r1", "B", 150), false, "B knows it lost the run");
    await b.queue.requestCancel("r1");
    assert.equal(await c.queue.cancelRequested("r1"), true);
    await c.queue.complete("r1");
    assert.equal(await c.queue.claim("C", 1000), undefined, "a completed request is not claimed again");
    assert.ok(await c.queue.request("r1"), "its request stays for re-runs");
    await c.runs.save({ id: "r1", number: 1, workflow: "ci", workflowFile: "ci.yml", status: "completed", conclusion: "success", jobs: [], createdAt: new Date().toISOString(), trigger: { event: "push", ref: "", sha: "" }, inputs: {} });
    await c.runs.delete("r1");
    assert.equal(await c.queue.request("r1"), undefined, "deleting the run deletes its request");
  } finally {
    await b.close();
    await c.close();
  }
});

test("a version-1 store opens migrated: runs, events and log lines kept, lines numbered per step, the event counter goes on", async () => {
  const dir = tempDir("stax-migrate-");
  const db = SqliteDb.open(join(dir, "stax.db"), 5000);
  db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (id TEXT PRIMARY KEY, number INTEGER NOT NULL, workflow TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE events (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE log_chunks (first_id INTEGER PRIMARY KEY, last_id INTEGER NOT NULL, run_id TEXT NOT NULL, job_id TEXT NOT NULL, step_number INTEGER NOT NULL, lines TEXT NOT NULL);
CREATE TABLE secrets (name TEXT PRIMARY KEY, iv BLOB NOT NULL, tag BLOB NOT NULL, data BLOB NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE artifacts (id TEXT PRIMARY KEY, run_id TEXT NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL, mime_type TEXT NOT NULL, created_at TEXT NOT NULL, path TEXT NOT NULL, is_dir INTEGER NOT NULL);`);
  const run = { id: "old1", number: 7, workflow: "ci", workflowFile: "ci.yml", status: "completed", conclusion: "success", jobs: [], createdAt: "2026-01-01T00:00:00.000Z", trigger: { event: "push", ref: "", sha: "" }, inputs: {} };
  db.prepare("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)").run(run.id, 7, "ci", "completed", run.createdAt, JSON.stringify(run));
  db.prepare("INSERT INTO log_chunks VALUES (?, ?, ?, ?, ?, ?)").run(1, 2, "old1", "j", 1, JSON.stringify(["a\n", "b\n"]));
  db.prepare("INSERT INTO log_chunks VALUES (?, ?, ?, ?, ?, ?)").run(4, 5, "old1", "j", 1, JSON.stringify(["c\n", "d\n"]));
  db.prepare("INSERT INTO meta VALUES ('event_id', '5')").run();
  db.close();
  const s = openStore(dir);
  try {
    assert.equal((await s.runs.find("7")) && ((await s.runs.find("7")) as { id: string }).id, "old1");
    assert.deepEqual((await s.logs.lines("old1", "j", 1, 1, 10)).map((l) => [l.n, l.text]), [[2, "b\n"], [3, "c\n"], [4, "d\n"]]);
    const [e] = await s.events.append([log("new", 0)]);
    assert.equal((e as StoredEvent).id, 6);
    assert.equal(await s.runs.nextNumber(), 8);
  } finally {
    await s.close();
  }
});

test("a store that cannot be opened is one STORE_UNAVAILABLE error naming the file and the cause", () => {
  const dir = tempDir("stax-corrupt-");
  writeFileSync(join(dir, "stax.db"), "this is not a database, just text that is long enough to have a header ".repeat(20));
  assert.throws(
    () => openStore(dir),
    (err: unknown) => err instanceof StaxError && err.code === "STORE_UNAVAILABLE" && err.message.includes(join(dir, "stax.db")) && /not a valid SQLite database/.test(err.message),
  );
});
