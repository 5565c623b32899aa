import assert from "node:assert/strict";
import { test } from "node:test";
import { writeFileSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { evaluate, hashFiles } from "../../src/expressions/index.js";
import { tempDir } from "../helpers/temp.js";

const ctx = {
  github: { event_name: "push", event: { commits: [{ id: "a" }, { id: "b" }] } },
  matrix: { os: "linux" },
  steps: { s1: { outputs: { v: "3" } } },
  env: { Name: "x" },
};
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

// The digests below were computed apart from stax, with coreutils:
// d() { printf "$1" | sha256sum | cut -c1-64 | xxd -r -p; }; (d one; d two) | sha256sum
const D_ONE = "fe8d7a873dc48961a6af334c996b2cb3ce37149d5ce9c9253952a54c6a92c1ad"; // d one
const D_ONE_TWO = "11914c19a28a98c57d12f3cce6c32b7944784f4b4781a706c24eb1dc284e2856"; // (d one; d two)
const D_TWO = "313db63e0283ab2a9bc72e9a0ac749da1d3acf708fcd1a7848767244dd2f17e8"; // d two
const D_ONE_ONE = "4cf80b947361f4e038d7ff9257fd5665c599e365301c0e316173974b328948e7"; // (d one; d one)
const D_ONE_TWO_TWO = "35f4c6849415b73fb696d15ea4deb6389298738cb9d3d9f061b7de351656df71"; // (d one; d two; d two)

function lockWorkspace(): string {
  const ws = tempDir("stax-hash-");
  mkdirSync(join(ws, "a/b"), { recursive: true });
  writeFileSync(join(ws, "a/b/x.lock"), "one");
  writeFileSync(join(ws, "y.lock"), "two");
  return ws;
}

test("EXPR-17 hashFiles: SHA-256 of the files' SHA-256 digests in match order, '' when nothing matches", () => {
  const ws = lockWorkspace();
  try {
    assert.equal(hashFiles(ws, ["**/*.lock"]), D_ONE_TWO);
    assert.equal(hashFiles(ws, ["y.lock"]), D_TWO);
    assert.equal(hashFiles(ws, ["**/*.lock", "!a/**"]), D_TWO);
    assert.equal(hashFiles(ws, ["a/**\ny.lock"]), D_ONE_TWO, "one argument may hold several patterns, one per line");
    assert.equal(hashFiles(ws, ["*.none"]), "");
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test("EXPR-17 hashFiles follows symbolic links to folders only with --follow-symbolic-links; a linked file counts either way; a link cycle ends", () => {
  const ws = lockWorkspace();
  try {
    symlinkSync("a/b", join(ws, "linkdir"));
    symlinkSync("y.lock", join(ws, "link.lock"));
    symlinkSync("..", join(ws, "a/b/up"));
    assert.equal(hashFiles(ws, ["**/x.lock"]), D_ONE, "linkdir/x.lock is not reached without the flag");
    assert.equal(hashFiles(ws, ["--follow-symbolic-links", "**/x.lock"]), D_ONE_ONE, "a/b/x.lock and linkdir/x.lock");
    assert.equal(hashFiles(ws, ["**/*.lock"]), D_ONE_TWO_TWO, "a/b/x.lock, link.lock, y.lock");
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test("YAML-06 an unknown context is an error, not null", () => {
  assert.throws(() => evaluate("nope.x", ctx), /Unrecognized named-value: 'nope'/);
});
