import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluate, hashFiles } from "../../src/expressions/index.js";

const ctx = { github: { event_name: "push", event: { commits: [{ id: "a" }, { id: "b" }] } }, matrix: { os: "linux" }, steps: { s1: { outputs: { v: "3" } } }, env: { Name: "x" } };
const ev = (e: string) => evaluate(e, ctx);

test("EXPR-01/04/05 literals, && and || return operands, falsy values", () => {
  assert.equal(ev("'it''s' "), "it's");
  assert.equal(ev("format('{0} ''q'' {1}', 'a', 'b')"), "a 'q' b", "every '' in a literal is unescaped");
  assert.equal(ev("matrix.os == 'LINUX' && 'yes' || 'no'"), "yes");
  assert.equal(ev("'' || 0 || null"), null);
  assert.equal(ev("!'false'"), false);
  assert.equal(ev("0x10 == 16"), true);
});

test("EXPR-06/07 loose comparison", () => {
  assert.equal(ev("null == 0"), true);
  assert.equal(ev("'1' == 1"), true);
  assert.equal(ev("'true' == true"), false);
  assert.equal(ev("steps.s1.outputs.v > 2"), true);
});

test("EXPR-10/11 indexing, missing properties, object filters", () => {
  assert.equal(ev("github.event.commits[1].id"), "b");
  assert.equal(ev("github.nope.deeper"), null);
  assert.deepEqual(ev("github.event.commits.*.id"), ["a", "b"]);
  assert.equal(ev("GitHub.EVENT_NAME"), "push", "EXPR-02 context names and keys are case-insensitive");
});

test("EXPR-12..16 functions: contains, startsWith, format, join, toJSON, fromJSON", () => {
  assert.equal(ev("contains(github.event.commits.*.id, 'B')"), true);
  assert.equal(ev("startsWith('Hello', 'he')"), true);
  assert.equal(ev("format('{0}-{{x}}', 1)"), "1-{x}");
  assert.equal(ev("join(github.event.commits.*.id, '+')"), "a+b");
  assert.equal(ev("toJSON(matrix)"), '{\n  "os": "linux"\n}');
  assert.deepEqual(ev("fromJSON('[1, true]')"), [1, true]);
  assert.throws(() => ev("fromJSON('')"));
});

test("EXPR-17 hashFiles: SHA-256 of the files' digests, '' when nothing matches", () => {
  const ws = mkdtempSync(join(tmpdir(), "stax-hash-"));
  mkdirSync(join(ws, "a/b"), { recursive: true });
  writeFileSync(join(ws, "a/b/x.lock"), "one");
  writeFileSync(join(ws, "y.lock"), "two");
  const both = hashFiles(ws, ["**/*.lock"]);
  assert.match(both, /^[0-9a-f]{64}$/);
  assert.notEqual(both, hashFiles(ws, ["y.lock"]));
  assert.equal(hashFiles(ws, ["**/*.lock", "!a/**"]), hashFiles(ws, ["y.lock"]));
  assert.equal(hashFiles(ws, ["*.none"]), "");
});

test("YAML-06 an unknown context is an error, not null", () => {
  assert.throws(() => evaluate("nope.x", ctx), /Unrecognized named-value: 'nope'/);
});
