/**
 * EXPR-17 hashFiles without blocking the runner: the walk and the reads are asynchronous, the
 * walk prunes folders no pattern can reach, and a step's literal hashFiles calls are computed
 * before its expressions are evaluated (the evaluator itself is synchronous).
 */
import assert from "node:assert/strict";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { stepStatusFunctions } from "../../src/engine/runtime.js";
import { globRule, hashFiles, hashFilesAsync, prefetchHashFiles, worthEntering } from "../../src/expressions/index.js";
import { runFixture } from "../helpers/engine.js";
import { FixtureRepo } from "../helpers/git-repo.js";
import { tempDir } from "../helpers/temp.js";

function lockWorkspace(): string {
  const ws = tempDir("stax-hash-async-");
  mkdirSync(join(ws, "a/b"), { recursive: true });
  writeFileSync(join(ws, "a/b/x.lock"), "one");
  writeFileSync(join(ws, "y.lock"), "two");
  symlinkSync("a/b", join(ws, "linkdir"));
  symlinkSync("..", join(ws, "a/b/up"));
  return ws;
}

test("EXPR-17 the asynchronous hashFiles gives what the synchronous one gives, links followed only on request and a link cycle ending", async () => {
  const ws = lockWorkspace();
  try {
    for (const args of [
      ["**/*.lock"],
      ["y.lock"],
      ["**/*.lock", "!a/**"],
      ["--follow-symbolic-links", "**/x.lock"],
      ["*.none"],
    ]) {
      assert.equal(await hashFilesAsync(ws, args), hashFiles(ws, args), args.join(" "));
    }
    assert.equal(await hashFilesAsync(ws, ["*.none"]), "");
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test("EXPR-17 the runner's event loop turns while hashFiles walks a tree: the walk does not hold the thread", async () => {
  const ws = tempDir("stax-hash-big-");
  try {
    for (let i = 0; i < 40; i++) {
      mkdirSync(join(ws, `d${i}/e`), { recursive: true });
      writeFileSync(join(ws, `d${i}/e/package-lock.json`), `${i}`);
    }
    let turns = 0;
    let walking = true;
    const spin = () => {
      turns++;
      if (walking) setImmediate(spin);
    };
    setImmediate(spin);
    const digest = await hashFilesAsync(ws, ["**/package-lock.json"]);
    walking = false;
    assert.match(digest, /^[0-9a-f]{64}$/);
    assert.ok(turns > 1, `the event loop turned ${turns} times during the walk`);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test("EXPR-17 the walk enters a folder only when an include can reach below it and no later exclude names the whole folder", () => {
  const lock = [globRule("**/package-lock.json"), globRule("**/node_modules/**", true)];
  assert.equal(worthEntering(lock, "node_modules"), false);
  assert.equal(worthEntering(lock, "app/node_modules"), false);
  assert.equal(worthEntering(lock, "app"), true);
  assert.equal(
    worthEntering([globRule("**/package-lock.json")], "node_modules"),
    true,
    "** reaches into node_modules, as GitHub's does",
  );
  const src = [globRule("src/**/*.ts")];
  assert.equal(worthEntering(src, "docs"), false);
  assert.equal(worthEntering(src, "src"), true);
  assert.equal(worthEntering(src, "src/deep/er"), true);
  const back = [globRule("**/x"), globRule("node_modules", true), globRule("node_modules/dep/x")];
  assert.equal(worthEntering(back, "node_modules"), true, "a later include may bring something back");
  assert.equal(worthEntering(back, "node_modules/other"), false);
});

test("EXPR-17 a step's hashFiles calls with literal patterns are computed ahead ('' escapes, several arguments, the links flag); others are left to evaluation", async () => {
  const ws = lockWorkspace();
  try {
    writeFileSync(join(ws, "it's.lock"), "three");
    const ahead = await prefetchHashFiles(ws, [
      "hashFiles('**/*.lock', '!a/**') != ''",
      "format('{0}', HASHFILES( 'it''s.lock' ))",
      "hashFiles('--follow-symbolic-links', '**/x.lock')",
      "hashFiles(format('{0}', 'y.lock'))",
    ]);
    assert.deepEqual(
      [...ahead.keys()].sort(),
      [
        JSON.stringify(["**/*.lock", "!a/**"]),
        JSON.stringify(["--follow-symbolic-links", "**/x.lock"]),
        JSON.stringify(["it's.lock"]),
      ].sort(),
    );
    assert.equal(ahead.get(JSON.stringify(["it's.lock"])), hashFiles(ws, ["it's.lock"]));
    const fns = stepStatusFunctions(
      ws,
      () => "success",
      () => false,
      new Map([[JSON.stringify(["y.lock"]), "fetched ahead"]]),
    );
    assert.equal(fns.hashFiles!("y.lock"), "fetched ahead");
    assert.equal(
      fns.hashFiles!("a/**"),
      hashFiles(ws, ["a/**"]),
      "a call not fetched ahead is computed when evaluated",
    );
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test("EXPR-17 a workflow step's if, env and run get hashFiles' digest (computed before the step), and '' where nothing matches", async () => {
  const repo = new FixtureRepo({
    "deps/package-lock.json": "lock\n",
    ".github/workflows/h.yml": `on: push
jobs:
  h:
    runs-on: ubuntu-latest
    steps:
      - if: hashFiles('**/package-lock.json') != ''
        env:
          H: \${{ hashFiles('**/package-lock.json') }}
        run: echo "env=$H run=\${{ hashFiles('**/package-lock.json') }} none=[\${{ hashFiles('*.none') }}]"
`,
  });
  const r = await runFixture(repo.dir, "h.yml");
  assert.equal(r.job("h").conclusion, "success", r.log);
  const expected = hashFiles(repo.dir, ["**/package-lock.json"]);
  assert.match(r.log, new RegExp(`env=${expected} run=${expected} none=\\[\\]`));
});
