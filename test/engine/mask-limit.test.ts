import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Masker, MAX_MASKS } from "../../src/engine/io/mask.js";
import { runFixture } from "../helpers/engine.js";
import { tempDir } from "../helpers/temp.js";

test("MASK-01: masks added one per line up to the limit keep masking every earlier value, without recompiling per line", () => {
  const m = new Masker();
  const started = performance.now();
  for (let i = 0; i < MAX_MASKS; i++) {
    assert.equal(m.addMask(`value-${i}-z`), undefined);
    assert.equal(m.mask(`a value-${i >> 1}-z b`), "a *** b");
  }
  assert.ok(performance.now() - started < 30_000, "10,000 masks interleaved with lines take seconds, not minutes");
  assert.match(
    m.addMask("one-too-many") ?? "",
    /stax's limit is 10,000 masks or 8 MiB per job\. The value is not masked\./,
  );
  assert.equal(m.mask("one-too-many"), "one-too-many");
  assert.equal(m.mask("value-0-z value-9999-z"), "*** ***");
});

test("MASK-01: overlapping values are hidden whole, and a mask's size counts against the 8 MiB limit", () => {
  const m = new Masker();
  m.add("abc");
  m.add("cde");
  assert.equal(m.mask("abcde."), "***.");
  assert.match(m.addMask("x".repeat(9 * 1024 * 1024)) ?? "", /8 MiB per job/);
});

test("a step adding masks past 10,000 fails with one error naming the limit; earlier masks still hide their values", async () => {
  const ws = tempDir("stax-masks-");
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  writeFileSync(
    join(ws, ".github", "workflows", "w.yml"),
    `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          for i in $(seq 1 12000); do echo "::add-mask::m-$i-secret"; done\n          echo "shown: m-5-secret m-11000-secret"\n      - if: always()\n        run: echo "next- m-7-secret"\n`,
  );
  const r = await runFixture(ws, "w.yml");
  assert.equal(r.run.conclusion, "failure");
  assert.equal(r.log.match(/##\[error\]Can't add secret mask/g)?.length, 1, "said once");
  assert.match(r.log, /this job already has 10,000 masks .*stax's limit is 10,000 masks or 8 MiB per job/);
  assert.match(r.log, /shown: \*\*\* m-11000-secret/);
  assert.match(r.log, /next- \*\*\*/);
});
