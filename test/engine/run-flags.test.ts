/**
 * The run-wide flags (`RunFlags`, src/engine/runtime.ts): what `startRun`'s cancel and the
 * scheduler rely on, checked on the class itself (no run needed).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RunFlags } from "../../src/engine/runtime.js";

test("a first cancel reaches every running job gracefully, a second stops them at once, and a job entering later is cancelled as it enters", () => {
  const flags = new RunFlags();
  const seen: string[] = [];
  const leave = flags.enter({ cancel: (hard) => seen.push(`a ${hard}`) });
  assert.equal(flags.cancelled, false);
  flags.cancel();
  assert.deepEqual([flags.cancelled, flags.hardStop], [true, false]);
  flags.cancel();
  assert.equal(flags.hardStop, true);
  leave();
  flags.enter({ cancel: (hard) => seen.push(`b ${hard}`) });
  flags.cancel();
  assert.deepEqual(seen, ["a false", "a true", "b true", "b true"]);
});

test("a hard cancel stays hard, and a run's notices are taken once", () => {
  const flags = new RunFlags(["sandbox: a copy"]);
  flags.cancel(true);
  flags.cancel(false);
  assert.equal(flags.hardStop, true);
  assert.deepEqual(flags.takeNotices(), ["sandbox: a copy"]);
  assert.deepEqual(flags.takeNotices(), []);
});
