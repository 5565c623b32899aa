/**
 * SSE frames encoded a batch at a time are the contract's frames byte for byte, and a batch cut
 * after an id holds exactly the later frames.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { makeEvent, type SSEEvent, type StoredEvent } from "../../src/contract/index.js";
import { encodeFrames, framesAfter } from "../../src/server/frames.js";

/** The wire format of docs/events.md, spelled out. */
const expected = (events: StoredEvent[]) =>
  Buffer.from(events.map((e) => `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`).join(""));

const log = (jobId: string, stepNumber: number, line: string) =>
  makeEvent("step.log", { runId: "r1", jobId, stepNumber, line });
const events: SSEEvent[] = [
  makeEvent("step.started", {
    runId: "r1",
    jobId: "a",
    stepNumber: 1,
    step: { number: 1, name: 'é "quoted"', status: "in_progress" },
  }),
  log("a", 1, "plain\n"),
  log("a", 1, "ünïcödé, 表, 🙂 and a lone \ud800 surrogate\n"),
  log("a", 1, 'quotes " and \\ backslash, tab \t, \u0000 and \u001b[31mcolour\u001b[0m, \u2028 separator\n'),
  log("a", 1, "printable ASCII up to an escape at the very end \u001b"),
  log("a", 1, "a DEL \u007f, left as it is\n"),
  log("a", 1, ""),
  log("a", 2, "another step\n"),
  log('b "job"', 2, "another job\n"),
  log("a", 1, "back to the first\n"),
  makeEvent("run.completed", { runId: "r1", run: { id: "r1" } as never }),
];
const batch = events.map((e, i) => ({ ...e, id: 1000 + 7 * i }) as StoredEvent);

test("a batch's frames encoded at once are the contract's frames byte for byte, with or without a filter", () => {
  assert.deepEqual(encodeFrames(batch), expected(batch));
  const jobA = (e: StoredEvent) => (e.data as { jobId?: string }).jobId === "a";
  assert.deepEqual(encodeFrames(batch, jobA), expected(batch.filter(jobA)));
  assert.equal(encodeFrames([]).length, 0);
});

test("a batch cut after any id holds exactly the frames after it", () => {
  const bytes = encodeFrames(batch);
  for (let sent = 990; sent <= 1060; sent++)
    assert.deepEqual(framesAfter(bytes, sent), expected(batch.filter((e) => e.id > sent)), `after ${sent}`);
});

test("a batch with a line far longer than the encoder's first buffer is encoded whole", () => {
  const big = [
    { ...log("a", 1, `${"x".repeat(3_000_000)}\n`), id: 1 },
    { ...log("a", 1, "after\n"), id: 2 },
  ] as StoredEvent[];
  assert.deepEqual(encodeFrames(big), expected(big));
  assert.deepEqual(framesAfter(encodeFrames(big), 1), expected(big.slice(1)));
});

test("frames of ids of every length, 0 to 2^53 - 1, are the contract's frames byte for byte", () => {
  const ids = [0, 1, 9, 10, 99, 100, 999_999, 1_000_000, 123_456_789_012, Number.MAX_SAFE_INTEGER];
  const lines = ids.map((id) => ({ ...log("a", 1, `line ${id}\n`), id }) as StoredEvent);
  assert.deepEqual(encodeFrames(lines), expected(lines));
});
