/**
 * The store recorder under a burst of log lines: they are written as they pile up, not held until
 * the tick ends (which kept hundreds of thousands of events alive at once), and none is lost or
 * reordered.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { makeEvent } from "../../src/contract/index.js";
import { openStore } from "../../src/store/index.js";
import { StoreRecorder } from "../../src/store/recorder.js";

test("a burst of log lines within one tick is stored while it piles up, every line once and in order", async () => {
  const store = openStore(mkdtempSync(join(tmpdir(), "stax-recorder-")));
  try {
    const recorder = new StoreRecorder(store);
    for (let i = 1; i <= 20_000; i++) recorder.emit(makeEvent("step.log", { runId: "r", jobId: "j", stepNumber: 1, line: `line ${i}\n` }));
    assert.ok(store.events.delivered() >= 8192, `stored before the tick ended: ${store.events.delivered()}`);
    await recorder.idle();
    const lines = await store.logs.all("r");
    assert.deepEqual(lines.map((l) => l.line), Array.from({ length: 20_000 }, (_, i) => `line ${i + 1}\n`));
  } finally {
    await store.close();
  }
});
