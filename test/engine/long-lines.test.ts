import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { lineSplitter, MAX_LINE, LINE_CUT_MARK } from "../../src/engine/io/process.js";
import { runFixture } from "../helpers/engine.js";
import { tempDir } from "../helpers/temp.js";

test("the line splitter cuts a line at MAX_LINE characters, marks each cut, and loses nothing", () => {
  const got: string[] = [];
  const lines = lineSplitter((l) => got.push(l));
  const long = "ab".repeat(Math.ceil((3.5 * MAX_LINE) / 2));
  for (let i = 0; i < long.length; i += 65536) lines.push(long.slice(i, i + 65536));
  lines.push("\nshort\n");
  lines.end();
  assert.equal(got.length, 5, "four pieces of the long line, then the short one");
  for (const piece of got.slice(0, 3)) {
    assert.ok(piece.endsWith(LINE_CUT_MARK), "a cut piece says so");
    assert.equal(piece.length, MAX_LINE + LINE_CUT_MARK.length);
  }
  assert.equal(
    got
      .slice(0, 4)
      .map((p) => p.replace(LINE_CUT_MARK, ""))
      .join(""),
    long,
  );
  assert.equal(got[4], "short");
});

test("a step printing megabytes without a newline is logged as marked pieces of at most MAX_LINE characters", async () => {
  const ws = tempDir("stax-lines-");
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  writeFileSync(
    join(ws, ".github", "workflows", "long.yml"),
    "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: printf '%3500000s' | tr ' ' a; echo; echo after\n",
  );
  const r = await runFixture(ws, "long.yml");
  assert.equal(r.run.conclusion, "success");
  const lines = r.log.split("\n");
  const pieces = lines.filter((l) => l.startsWith("aaaa"));
  assert.equal(pieces.length, Math.ceil(3_500_000 / MAX_LINE));
  assert.ok(pieces.every((p) => p.length <= MAX_LINE + LINE_CUT_MARK.length));
  assert.equal(pieces.map((p) => p.replace(LINE_CUT_MARK, "")).join("").length, 3_500_000);
  assert.ok(lines.includes("after"));
});
