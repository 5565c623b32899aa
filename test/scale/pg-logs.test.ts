/**
 * A step's log by range on PostgreSQL (issue 14): pages from stored chunks with the step's total
 * and the event id they agree with, search streaming over chunks beyond the first page, group
 * markers, the step's text, and `readSince` of one job.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { makeEvent, type SSEEvent } from "../../src/contract/index.js";
import { PgStore } from "../../src/store/pg/pg-store.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";

let pgServer: TestPostgres;
let store: PgStore;
before(async () => {
  pgServer = await startPostgres();
  store = await PgStore.connect(pgServer.url, "ws-logs");
});
after(async () => {
  await store?.close();
  await pgServer?.stop();
});

const line = (jobId: string, stepNumber: number, text: string) => makeEvent("step.log", { runId: "run1", jobId, stepNumber, line: `${text}\n` });

test("PostgreSQL: pages of a 3,000-line step by range, capped by limit, with the total and lastEventId read together; search, group markers and text stream over its chunks", async () => {
  // Three batches, so the step is stored in chunks of several sizes, with another job's lines between.
  const rows = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => line("build", 1, `row ${from + i}`));
  await store.events.append([makeEvent("job.started", { runId: "run1", jobId: "build", job: { id: "build" } } as never), ...rows(1, 1500)]);
  await store.events.append([line("test", 1, "other job"), line("build", 1, "##[group]Setup"), line("build", 1, "\x1b[31mRed Alert\x1b[0m"), line("build", 1, "##[endgroup]"), ...rows(1504, 2999)]);
  const last = await store.events.append([line("build", 1, "the Needle in the haystack") as SSEEvent]);

  const page = await store.logs.page("run1", "build", 1, 1499, 3);
  assert.deepEqual(page.lines.map(({ n, text }) => ({ n, text })), [
    { n: 1500, text: "row 1500\n" },
    { n: 1501, text: "##[group]Setup\n" },
    { n: 1502, text: "\x1b[31mRed Alert\x1b[0m\n" },
  ]);
  assert.equal(page.total, 3000);
  assert.equal(page.lastEventId, last[0].id);
  const big = await store.logs.page("run1", "build", 1, 0, 5000);
  assert.equal(big.lines.length, 3000);
  assert.deepEqual(big.lines.map((l) => l.n), Array.from({ length: 3000 }, (_, i) => i + 1));
  assert.deepEqual((await store.logs.page("run1", "build", 1, 2999, 10)).lines.map(({ n, text }) => ({ n, text })), [{ n: 3000, text: "the Needle in the haystack\n" }]);

  assert.deepEqual(await store.logs.search("run1", "build", 1, "NEEDLE IN", 0, 10), { matches: [{ n: 3000, text: "the Needle in the haystack\n" }], total: 1 });
  assert.deepEqual((await store.logs.search("run1", "build", 1, "red alert", 0, 10)).matches.map((m) => m.n), [1502], "ANSI escapes are not in the way");
  const nines = await store.logs.search("run1", "build", 1, "99", 0, 2);
  assert.deepEqual(nines.matches.map((m) => m.n), [99, 199]);
  assert.equal(nines.total, 57, "x99 rows, 990–999, 1990–1999, 2990–2999");
  assert.deepEqual((await store.logs.search("run1", "build", 1, "99", 1000, 1)).matches.map((m) => m.n), [1099]);

  const groups = await store.logs.groups("run1", "build", 1);
  assert.deepEqual(groups.markers, [
    { n: 1501, kind: "group" },
    { n: 1503, kind: "endgroup" },
  ]);
  assert.equal(groups.total, 3000);
  let text = "";
  for await (const t of store.logs.text("run1", "build", 1)) text += t;
  assert.equal(text, big.lines.map((l) => l.text).join(""));

  const build = await store.events.readSince(0, { runId: "run1", jobId: "build" });
  assert.ok(build.some((e) => e.type === "job.started"));
  assert.equal(build.filter((e) => e.type === "step.log").length, 3000, "the other job's lines are left out");
});
