/**
 * The log-time checks both stores share (issue 25, the log viewer's timestamps): a store opened
 * over a step with two lines written before times were kept ("old 1", "old 2") stores two more
 * batches, and every page of that step says when each batch was written, and nothing for the old.
 */
import assert from "node:assert/strict";
import { makeEvent, type SSEEvent } from "../../src/contract/index.js";
import type { Store } from "../../src/store/index.js";

/** A line of step 1 of job `build` of run `run1`. */
export const timedLine = (text: string): SSEEvent =>
  makeEvent("step.log", { runId: "run1", jobId: "build", stepNumber: 1, line: `${text}\n` });

export async function assertLineTimes(store: Store): Promise<void> {
  const before = Date.now();
  await store.events.append([timedLine("new 3"), timedLine("new 4")]);
  const between = Date.now();
  // A later batch is a later chunk: its own time.
  await new Promise((r) => setTimeout(r, 20));
  await store.events.append([timedLine("new 5")]);
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
  assert.equal(typeof a.t, "number", "a number (PostgreSQL's driver gives a bigint as a string)");
  assert.ok(a.t! >= before && a.t! <= between, `t ${a.t} within the first append`);
  assert.equal(b.t, a.t, "one time per batch");
  assert.ok(c.t !== undefined && c.t > a.t! && c.t <= afterAll, `t ${c.t} of the second batch is later`);
  // A page from the middle of a chunk carries the chunk's time too.
  assert.deepEqual(await store.logs.lines("run1", "build", 1, 3, 1), [{ n: 4, text: "new 4\n", t: a.t }]);
}
