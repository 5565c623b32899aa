/**
 * The glob of hashFiles (EXPR-17) and of upload-artifact / actions/cache paths: `@actions/glob`'s
 * rules on picomatch. Expected digests are computed in the test from the files it names (SHA-256
 * of each file's SHA-256 digest, in path order), not read back from stax.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { matchPaths } from "../../src/engine/actions/shims/match-paths.js";
import { globFiles, hashFiles } from "../../src/expressions/index.js";
import { tempDir } from "../helpers/temp.js";

function tree(files: string[]): string {
  const root = tempDir("stax-globs-");
  for (const f of files) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), `content of ${f}`);
  }
  return root;
}

/** What GitHub's hashFiles gives for these files, in this order. */
function digestOf(root: string, files: string[]): string {
  const outer = createHash("sha256");
  for (const f of files)
    outer.update(
      createHash("sha256")
        .update(readFileSync(join(root, f)))
        .digest(),
    );
  return outer.digest("hex");
}

test("EXPR-17 [!x] in a pattern is negation (every character but x), not a class of ! and x", async () => {
  const ws = tree(["x.lock", "y.lock", "!.lock", "dir/z.lock"]);
  try {
    assert.deepEqual(globFiles(ws, ["[!x].lock"], false), ["!.lock", "y.lock"]);
    assert.deepEqual(globFiles(ws, ["**/[!xy].lock"], false), ["!.lock", "dir/z.lock"]);
    assert.equal(hashFiles(ws, ["[!x].lock"]), digestOf(ws, ["!.lock", "y.lock"]));
    // upload-artifact and actions/cache read their paths with the same rules.
    const files = (await matchPaths("[!x].lock", { workspace: ws, home: ws, list: "files" })).map((p) =>
      relative(ws, p),
    );
    assert.deepEqual(files, ["!.lock", "y.lock"]);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test("EXPR-17 hashFiles('**/package-lock.json') follows ** into node_modules as GitHub's does; an exclude of node_modules leaves it out", () => {
  const ws = tree([
    "package-lock.json",
    "app/package-lock.json",
    "node_modules/dep/package-lock.json",
    "node_modules/dep/node_modules/deep/package-lock.json",
    "node_modules/other/index.js",
  ]);
  try {
    const all = [
      "app/package-lock.json",
      "node_modules/dep/node_modules/deep/package-lock.json",
      "node_modules/dep/package-lock.json",
      "package-lock.json",
    ];
    assert.deepEqual(globFiles(ws, ["**/package-lock.json"], false), all);
    assert.equal(hashFiles(ws, ["**/package-lock.json"]), digestOf(ws, all));
    assert.deepEqual(globFiles(ws, ["**/package-lock.json", "!**/node_modules/**"], false), [
      "app/package-lock.json",
      "package-lock.json",
    ]);
    assert.deepEqual(
      globFiles(ws, ["**/package-lock.json", "!node_modules", "node_modules/dep/package-lock.json"], false),
      ["app/package-lock.json", "node_modules/dep/package-lock.json", "package-lock.json"],
      "a later pattern brings a file back from an excluded folder",
    );
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test("EXPR-17 @actions/glob's literal braces and dot files: {a,b} is no alternation, * takes .files", () => {
  const ws = tree(["{a,b}.txt", "a.txt", ".env", "sub/.hidden/k.txt"]);
  try {
    assert.deepEqual(globFiles(ws, ["{a,b}.txt"], false), ["{a,b}.txt"]);
    assert.deepEqual(globFiles(ws, ["*"], false), [".env", "a.txt", "sub/.hidden/k.txt", "{a,b}.txt"]);
    assert.deepEqual(globFiles(ws, ["sub/*/*.txt"], false), ["sub/.hidden/k.txt"]);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});
