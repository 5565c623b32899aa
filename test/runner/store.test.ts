/**
 * The SQLite store on its own: two processes writing one store (the runner and an in-process
 * `stax run` of the same workspace) never hand out the same event id, and lose nothing.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { makeEvent } from "../../src/contract/index.js";
import { openStore } from "../../src/store/index.js";

const log = (runId: string, i: number) => makeEvent("step.log", { runId, jobId: "j", stepNumber: 1, line: `${runId} ${i}\n` });

test("two connections appending to one store interleave by batch with unique, increasing ids; every line is kept", () => {
  const dir = mkdtempSync(join(tmpdir(), "stax-store-"));
  const a = openStore(dir);
  const b = openStore(dir);
  try {
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 300; i++) a.appendEvent(log("ra", round * 300 + i));
      for (let i = 0; i < 200; i++) b.appendEvent(log("rb", round * 200 + i));
      a.flush();
      b.flush();
    }
    const all = a.eventsSince(0, undefined, 10_000);
    assert.equal(all.length, 2500);
    assert.deepEqual(all.map((e) => e.id), Array.from({ length: 2500 }, (_, i) => i + 1), "ids unique and without gaps");
    assert.deepEqual(a.logs("rb").map((l) => l.line), Array.from({ length: 1000 }, (_, i) => `rb ${i}\n`));
    assert.deepEqual(b.logs("ra").map((l) => l.line), Array.from({ length: 1500 }, (_, i) => `ra ${i}\n`));
    assert.equal(b.lastEventId(), 2500);
  } finally {
    a.close();
    b.close();
  }
});
