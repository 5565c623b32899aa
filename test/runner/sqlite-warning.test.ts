/**
 * Node 22 prints "ExperimentalWarning: SQLite is an experimental feature" once per process that
 * loads `node:sqlite`, so every command that opens the store would print it. stax drops exactly
 * that warning; every other warning stays visible. The first test forges the warning (so it fails
 * without the filter on any Node); the others run the real thing on the Node running the tests
 * (CI runs this file on 22, where Node really emits it).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { FixtureRepo } from "../helpers/git-repo.js";
import { tempDir } from "../helpers/temp.js";

const SRC = resolve(import.meta.dirname, "..", "..", "src");

/** Runs a TypeScript snippet in a child Node (through tsx) and returns its stderr. */
function child(code: string): string {
  const file = join(tempDir("stax-warning-"), "main.mts");
  writeFileSync(file, code);
  const r = spawnSync(process.execPath, ["--import", "tsx", file], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stderr;
}

test("the experimental SQLite warning is not printed while the store loads SQLite, and another warning emitted meanwhile still is", () => {
  const stderr = child(`
import { withoutSqliteWarning } from ${JSON.stringify(join(SRC, "store", "sqlite-db.ts"))};
withoutSqliteWarning(() => {
  process.emitWarning("SQLite is an experimental feature and might change at any time", "ExperimentalWarning");
  process.emitWarning("a deprecation the user should see", "DeprecationWarning");
});
process.emitWarning("SQLite is an experimental feature and might change at any time", "ExperimentalWarning");
`);
  assert.match(stderr, /DeprecationWarning: a deprecation the user should see/);
  // Outside the store's loading the same text is not stax's to hide: it shows once.
  assert.equal(stderr.match(/SQLite is an experimental feature/g)?.length, 1, stderr);
});

test("opening a store prints no warning on this Node", () => {
  const stderr = child(`
import { openStore } from ${JSON.stringify(join(SRC, "store", "index.ts"))};
await openStore(${JSON.stringify(tempDir("stax-warning-store-"))}).close();
`);
  assert.doesNotMatch(stderr, /Warning/, stderr);
});

test("stax run of a workflow prints no experimental warning on this Node", () => {
  const repo = new FixtureRepo({
    ".github/workflows/one.yml":
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hello\n",
  });
  const r = repo.stax(["run", "one"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stderr, /ExperimentalWarning/, r.stderr);
});
