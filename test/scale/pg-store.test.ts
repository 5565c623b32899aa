/**
 * The PostgreSQL store on a real server: the same contract as the embedded store (commit-ordered
 * ids across connections, every batch delivered once and in order through NOTIFY, atomic run
 * numbers, logs by range, leases, blobs), concurrent migrations, and a password never shown.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { makeEvent, StaxError } from "../../src/contract/index.js";
import { PgStore } from "../../src/store/pg/pg-store.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";

let pgServer: TestPostgres;
before(async () => {
  pgServer = await startPostgres();
});
after(async () => {
  await pgServer.stop();
});

const log = (runId: string, i: number, stepNumber = 1) => makeEvent("step.log", { runId, jobId: "j", stepNumber, line: `${runId} ${i}\n` });

test("two processes migrating one empty database at once both open it; ids from two connections are unique, in commit order, and each one's listeners get every batch once, in order", async () => {
  const [a, b] = await Promise.all([PgStore.connect(pgServer.url, "ws-a"), PgStore.connect(pgServer.url, "ws-a")]);
  const other = await PgStore.connect(pgServer.url, "ws-other");
  const seen: number[] = [];
  a.events.onCommit((batch) => seen.push(...batch.map((e) => e.id)));
  a.follow();
  try {
    await new Promise((r) => setTimeout(r, 100));
    const start = await a.events.highWater();
    await Promise.all(
      Array.from({ length: 10 }, async (_, round) => {
        await a.events.append(Array.from({ length: 30 }, (_, i) => log("ra", round * 30 + i)));
        await b.events.append(Array.from({ length: 20 }, (_, i) => log("rb", round * 20 + i)));
        await other.events.append([log("elsewhere", round)]);
      }),
    );
    const mine = await a.events.readSince(start, { limit: 10_000 });
    assert.equal(mine.length, 500, "only this workspace's events");
    assert.ok(mine.every((e, i) => i === 0 || e.id > mine[i - 1].id));
    assert.deepEqual((await b.logs.all("ra")).map((l) => l.line).sort(), Array.from({ length: 300 }, (_, i) => `ra ${i}\n`).sort());
    for (const t = Date.now(); seen.length < 500 && Date.now() - t < 5000; ) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(seen, mine.map((e) => e.id), "a's listeners got b's batches too, between its own, in id order, once");
  } finally {
    await Promise.all([a.close(), b.close(), other.close()]);
  }
});

test("run numbers drawn by two connections at once are all different; each workspace counts on its own", async () => {
  const [a, b] = await Promise.all([PgStore.connect(pgServer.url, "numbers"), PgStore.connect(pgServer.url, "numbers")]);
  const c = await PgStore.connect(pgServer.url, "numbers-2");
  try {
    const draw = (s: PgStore) => Promise.all(Array.from({ length: 200 }, () => s.runs.nextNumber()));
    const [x, y] = await Promise.all([draw(a), draw(b)]);
    assert.deepEqual([...x, ...y].sort((p, q) => p - q), Array.from({ length: 400 }, (_, i) => i + 1));
    assert.equal(await c.runs.nextNumber(), 1);
  } finally {
    await Promise.all([a.close(), b.close(), c.close()]);
  }
});

test("step logs by range, run snapshots, leases, and blobs of several MiB round-trip", async () => {
  const s = await PgStore.connect(pgServer.url, "parts");
  try {
    for (let batch = 0; batch < 3; batch++) await s.events.append([...Array.from({ length: 1500 }, (_, i) => log("r", batch * 1500 + i)), log("r", 0, 2)]);
    assert.equal(await s.logs.count("r", "j", 1), 4500);
    assert.deepEqual((await s.logs.lines("r", "j", 1, 2990, 3)).map((l) => [l.n, l.text]), [[2991, "r 2990\n"], [2992, "r 2991\n"], [2993, "r 2992\n"]]);
    const run = { id: "abc123", number: await s.runs.nextNumber(), workflow: "ci", workflowFile: ".github/workflows/ci.yml", status: "completed" as const, conclusion: "failure" as const, jobs: [], createdAt: new Date().toISOString(), trigger: { event: "push", ref: "", sha: "" }, inputs: {} };
    await s.runs.save(run);
    assert.equal((await s.runs.find("abc"))?.toString(), run.toString());
    assert.equal((await s.runs.list({ status: "failure" })).length, 1);
    assert.equal((await s.runs.list({ status: "success" })).length, 0);
    await s.queue.enqueue("abc123", { workflow: "ci", event: "push" });
    assert.equal((await s.queue.claim("one", 100))?.runId, "abc123");
    assert.equal(await s.queue.claim("two", 100), undefined);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal((await s.queue.claim("two", 1000))?.runId, "abc123", "a lapsed lease is taken over");
    const big = Buffer.alloc(3 * 1024 * 1024 + 7, 0x61);
    big[big.length - 1] = 0x7a;
    assert.equal(await s.blobs.put("artifacts/abc123/site/index.html", big), big.length);
    const back: Buffer[] = [];
    for await (const c of (await s.blobs.get("artifacts/abc123/site/index.html"))!) back.push(c as Buffer);
    assert.ok(Buffer.concat(back).equals(big));
    assert.deepEqual(await s.blobs.list("artifacts/abc123/"), [{ key: "artifacts/abc123/site/index.html", size: big.length }]);
    await s.runs.delete("abc123");
    assert.deepEqual(await s.blobs.list("artifacts/abc123/"), [], "deleting a run deletes its blobs");
  } finally {
    await s.close();
  }
});

test("log lines holding quotes, backslashes, commas, braces, tabs, NULL, other scripts and a lone surrogate are read back exactly, from chunks of several steps written in one batch", async () => {
  const s = await PgStore.connect(pgServer.url, "odd-lines");
  try {
    const odd = ['say "hi", {x}\n', "C:\\dir\\\"q\"\n", "NULL\n", "\t{}\n", "\\\n", "日本語 ✓ 😀\n", "\ud800 alone\n", '","\\",\n', "\u2028\u0001\n"];
    const line = (step: number, i: number) => makeEvent("step.log", { runId: "odd", jobId: "j", stepNumber: step, line: odd[i % odd.length] });
    await s.events.append([...Array.from({ length: 2500 }, (_, i) => line(1, i)), ...Array.from({ length: 30 }, (_, i) => line(2, i))]);
    const want = (step: number, n: number) => Array.from({ length: n }, (_, i) => odd[i % odd.length]);
    assert.deepEqual((await s.logs.lines("odd", "j", 1, 0, 3000)).map((l) => l.text), want(1, 2500));
    assert.deepEqual((await s.logs.lines("odd", "j", 2, 0, 100)).map((l) => l.text), want(2, 30));
    assert.deepEqual((await s.events.readSince(0, { limit: 5000 })).map((e) => (e.type === "step.log" ? e.data.line : "")), [...want(1, 2500), ...want(2, 30)]);
  } finally {
    await s.close();
  }
});

test("the event log read page by page, with any page size, gives every event once and in id order: chunks of many sizes and steps, other events between them, another workspace's ids in between", async () => {
  const s = await PgStore.connect(pgServer.url, "paging");
  const other = await PgStore.connect(pgServer.url, "paging-other");
  try {
    const start = await s.events.highWater();
    let n = 0;
    for (let batch = 0; batch < 6; batch++) {
      const events = [];
      // Lines of two steps (chunks of 1 to 2,500 lines), a step event between them now and then.
      for (let k = 0; k < 1 + ((batch * 7) % 4); k++) {
        for (let i = 0; i < [1, 3, 999, 1000, 1001, 2500][(batch + k) % 6]; i++) events.push(makeEvent("step.log", { runId: "p", jobId: "j", stepNumber: 1 + (k % 2), line: `${n++}\n` }));
        if ((batch + k) % 3 === 0) events.push(makeEvent("step.started", { runId: "p", jobId: "j", stepNumber: 3, step: { number: 3, name: `s${n}`, status: "in_progress" } }));
      }
      await s.events.append(events);
      await other.events.append([makeEvent("step.log", { runId: "q", jobId: "j", stepNumber: 1, line: "elsewhere\n" })]);
    }
    const all = await s.events.readSince(start, { limit: 100_000 });
    assert.ok(all.every((e, i) => i === 0 || e.id > all[i - 1].id));
    assert.deepEqual(all.filter((e) => e.type === "step.log").map((e) => (e.type === "step.log" ? e.data.line : "")), Array.from({ length: n }, (_, i) => `${i}\n`));
    for (const limit of [13, 999, 1000, 1001, 4321]) {
      const ids: number[] = [];
      for (let since = start; ; ) {
        const page = await s.events.readSince(since, { limit });
        assert.ok(page.length <= limit);
        ids.push(...page.map((e) => e.id));
        if (page.length < limit) break;
        since = page[page.length - 1].id;
      }
      assert.deepEqual(ids, all.map((e) => e.id), `pages of ${limit}`);
    }
  } finally {
    await Promise.all([s.close(), other.close()]);
  }
});

test("a database that does not answer is one STORE_UNAVAILABLE error with the password replaced by ***", async () => {
  const url = pgServer.url.replace(`:${pgServer.port}/`, ":1/");
  await assert.rejects(PgStore.connect(url, "x"), (err: unknown) => {
    assert.ok(err instanceof StaxError && err.code === "STORE_UNAVAILABLE");
    assert.ok(!err.message.includes("not-the-real-password"), err.message);
    assert.match(err.message, /postgres:\/\/stax:\*\*\*@127\.0\.0\.1:1\/postgres/);
    return true;
  });
});
