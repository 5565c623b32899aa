/** The dashboard's log model (web/src/log/model.ts) and ANSI parser (web/src/log/ansi.ts): pure functions the viewer draws from. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseAnsi, stripAnsi } from "../../web/src/log/ansi.js";
import { appendLine, newJobLog, search, visibleRows } from "../../web/src/log/model.js";

test("CMD-06 log lines are numbered across the job; ##[group] folds what follows until ##[endgroup]; annotations keep their kind", () => {
  const log = newJobLog();
  for (const [step, raw] of [
    [1, "first\n"],
    [1, "##[group]Details\n"],
    [1, "inside\n"],
    [1, "##[endgroup]\n"],
    [1, "##[warning]careful\n"],
    [2, "second step\n"],
    [2, "##[error]boom"],
  ] as const)
    appendLine(log, step, raw);
  assert.deepEqual(
    log.lines.map((l) => [l.n, l.step, l.kind, l.text, l.group]),
    [
      [1, 1, "plain", "first", undefined],
      [2, 1, "group", "Details", undefined],
      [3, 1, "plain", "inside", 1],
      [4, 1, "endgroup", "", 1],
      [5, 1, "warning", "careful", undefined],
      [6, 2, "plain", "second step", undefined],
      [7, 2, "error", "boom", undefined],
    ],
  );
  const lines = (rows: ReturnType<typeof visibleRows>) => rows.map((r) => (r.type === "step" ? `step ${r.step}` : log.lines[r.index].n));
  assert.deepEqual(lines(visibleRows(log, [1, 2], new Set(), new Set())), ["step 1", "step 2"], "closed steps show their header only");
  assert.deepEqual(lines(visibleRows(log, [1, 2], new Set([1]), new Set())), ["step 1", 1, 2, 5, "step 2"], "a closed group hides its inside; endgroup never shows");
  assert.deepEqual(lines(visibleRows(log, [1, 2], new Set([1, 2]), new Set([1]))), ["step 1", 1, 2, 3, 5, "step 2", 6, 7]);
  assert.deepEqual(search(log, "STEP").map((i) => log.lines[i].n), [6], "search is case-insensitive");
  assert.deepEqual(search(log, ""), []);
});

test("a group left open by one step does not swallow the next step's lines", () => {
  const log = newJobLog();
  appendLine(log, 1, "##[group]never closed\n");
  appendLine(log, 2, "free\n");
  assert.equal(log.lines[1].group, undefined);
});

test("search ignores ANSI colours inside the text", () => {
  const log = newJobLog();
  appendLine(log, 1, "\x1b[32mgr\x1b[0meen\n");
  assert.deepEqual(search(log, "green"), [0]);
});

test("ANSI SGR: colours, bright colours, 256 and true colours, bold and resets become styled segments; other escapes are dropped", () => {
  assert.deepEqual(parseAnsi("plain"), [{ text: "plain" }]);
  assert.deepEqual(parseAnsi("\x1b[1;31mred\x1b[0m done"), [{ text: "red", bold: true, fg: "#ff7b72" }, { text: " done" }]);
  assert.deepEqual(parseAnsi("\x1b[92mb\x1b[39mx"), [{ text: "b", fg: "#56d364" }, { text: "x", fg: undefined }]);
  assert.deepEqual(parseAnsi("\x1b[38;5;196mc\x1b[48;2;1;2;3md"), [{ text: "c", fg: "rgb(255,0,0)" }, { text: "d", fg: "rgb(255,0,0)", bg: "rgb(1,2,3)" }]);
  assert.deepEqual(parseAnsi("\x1b[38;5;240mg"), [{ text: "g", fg: "rgb(88,88,88)" }]);
  assert.deepEqual(parseAnsi("a\x1b[2Kb\x1b]0;title\x07c"), [{ text: "a" }, { text: "b" }, { text: "c" }], "cursor and title sequences are dropped");
  assert.equal(stripAnsi("\x1b[1mbold\x1b[22m \x1b(Bx"), "bold x");
});
