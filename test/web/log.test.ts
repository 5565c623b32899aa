/** The dashboard's log rows (web/src/log/rows.ts) and ANSI parser (web/src/log/ansi.ts): pure code the viewer draws from. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseAnsi } from "../../web/src/log/ansi.js";
import { groupAt, groupsOf, RowIndex, type StepRows } from "../../web/src/log/rows.js";

// Step 1: 1 first, 2 ##[group], 3 inside, 4 ##[endgroup], 5 after, 6 ##[group] (open to the end), 7 tail. Step 2: 3 lines.
const markers = new Map([
  [2, "group"],
  [4, "endgroup"],
  [6, "group"],
] as const);

test("CMD-06 groups run from ##[group] to ##[endgroup], or to the next group or the step's end", () => {
  const groups = groupsOf(markers, 7);
  assert.deepEqual(groups, [
    { start: 2, end: 3 },
    { start: 6, end: 7 },
  ]);
  assert.deepEqual(
    [1, 2, 3, 4, 5, 7].map((n) => groupAt(groups, n)?.start),
    [undefined, undefined, 2, undefined, undefined, 6],
    "a group's own line is outside its body",
  );
});

test("CMD-06 the rows: a header per step, the lines of open steps, without endgroup lines and folded bodies; lines map to rows and back", () => {
  const steps = (open1: boolean, open2: boolean): StepRows[] => [
    { step: 1, open: open1, total: 7, markers },
    { step: 2, open: open2, total: 3, markers: new Map() },
  ];
  const rows = (index: RowIndex) =>
    Array.from({ length: index.length }, (_, i) => index.at(i)).map((r) =>
      r.type === "step" ? `s${r.step}` : `${r.step}:${r.n}`,
    );
  assert.deepEqual(
    rows(new RowIndex(steps(false, false), new Set())),
    ["s1", "s2"],
    "closed steps show their header only",
  );
  assert.deepEqual(
    rows(new RowIndex(steps(true, false), new Set())),
    ["s1", "1:1", "1:2", "1:5", "1:6", "s2"],
    "folded groups hide their bodies; endgroup never shows",
  );
  const open = new RowIndex(steps(true, true), new Set(["1:2", "1:6"]));
  assert.deepEqual(rows(open), ["s1", "1:1", "1:2", "1:3", "1:5", "1:6", "1:7", "s2", "2:1", "2:2", "2:3"]);
  assert.equal(open.rowOf(1, 5), 4);
  assert.equal(open.rowOf(2, 0), 7, "a step's header");
  assert.equal(open.rowOf(1, 4), undefined, "an endgroup line has no row");
  assert.equal(new RowIndex(steps(true, false), new Set()).rowOf(1, 3), undefined, "nor a line of a folded group");
});

test("ANSI SGR: colours, bright colours, 256 and true colours, bold and resets become styled segments; other escapes are dropped", () => {
  assert.deepEqual(parseAnsi("plain"), [{ text: "plain" }]);
  assert.deepEqual(parseAnsi("\x1b[1;31mred\x1b[0m done"), [
    { text: "red", bold: true, fg: "#ff7b72" },
    { text: " done" },
  ]);
  assert.deepEqual(parseAnsi("\x1b[92mb\x1b[39mx"), [
    { text: "b", fg: "#56d364" },
    { text: "x", fg: undefined },
  ]);
  assert.deepEqual(parseAnsi("\x1b[38;5;196mc\x1b[48;2;1;2;3md"), [
    { text: "c", fg: "rgb(255,0,0)" },
    { text: "d", fg: "rgb(255,0,0)", bg: "rgb(1,2,3)" },
  ]);
  assert.deepEqual(parseAnsi("\x1b[38;5;240mg"), [{ text: "g", fg: "rgb(88,88,88)" }]);
  assert.deepEqual(
    parseAnsi("a\x1b[2Kb\x1b]0;title\x07c\x1b(Bd"),
    [{ text: "a" }, { text: "b" }, { text: "c" }, { text: "d" }],
    "cursor, title and charset sequences are dropped",
  );
});
