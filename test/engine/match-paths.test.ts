/**
 * The `path:` input of upload-artifact and actions/cache, resolved by one matcher with
 * `@actions/glob`'s rules (issue 11: the two shims had their own, each with a gap).
 */
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { matchPaths } from "../../src/engine/actions/shims/match-paths.js";
import { tempDir } from "../helpers/temp.js";

function tree(root: string, files: string[]): void {
  for (const f of files) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), f);
  }
}

const root = tempDir("stax-match-");
const workspace = join(root, "ws");
const home = join(root, "home");
tree(workspace, [
  "dist/a.js",
  "dist/a.js.map",
  "dist/sub/b.js",
  "dist/.hidden/c.js",
  "dist/.env",
  "logs/x.log",
  "logs/deep/y.log",
  "keep.txt",
]);
tree(home, [".cache/tool/one/file", ".cache/tool/two/file", ".cache/other"]);
tree(join(root, "outside"), ["o/1", "o/skip/2"]);
symlinkSync(join(workspace, "dist/sub"), join(workspace, "linked"));
const rel = (paths: string[]) => paths.map((p) => relative(root, p));

test("upload-artifact: folders stand for their files, links followed, hidden files left out unless asked, the last matching pattern decides", async () => {
  const files = async (spec: string, hidden = false) =>
    rel(await matchPaths(spec, { workspace, home, list: "files", hidden }));
  assert.deepEqual(await files("dist\n!**/*.map"), ["ws/dist/a.js", "ws/dist/sub/b.js"]);
  assert.deepEqual(await files("dist\n!**/*.map", true), [
    "ws/dist/.env",
    "ws/dist/.hidden/c.js",
    "ws/dist/a.js",
    "ws/dist/sub/b.js",
  ]);
  assert.deepEqual(await files("linked"), ["ws/linked/b.js"]);
  assert.deepEqual(await files("logs/**/*.log\n!logs/deep\n# a comment\n\nkeep.txt"), ["ws/keep.txt", "ws/logs/x.log"]);
  assert.deepEqual(
    await files(`${join(root, "outside")}\n!${join(root, "outside/o/skip")}`),
    ["outside/o/1"],
    "an absolute exclude outside the workspace applies too",
  );
  assert.deepEqual(await files("~/.cache/tool/*/file"), ["home/.cache/tool/one/file", "home/.cache/tool/two/file"]);
  assert.deepEqual(await files("no-such\ndist/*.nothing"), []);
});

test("actions/cache: every entry below what is named (folders and links as they are), ~ for home, globs one level deep take what is below the folders they match", async () => {
  const entries = async (spec: string) => rel(await matchPaths(spec, { workspace, home, list: "entries" }));
  assert.deepEqual(await entries("~/.cache/tool/*"), [
    "home/.cache/tool/one",
    "home/.cache/tool/one/file",
    "home/.cache/tool/two",
    "home/.cache/tool/two/file",
  ]);
  assert.deepEqual(
    await entries("linked\ndist/sub"),
    ["ws/dist/sub", "ws/dist/sub/b.js", "ws/linked"],
    "a link is kept as a link, not entered",
  );
  assert.deepEqual(
    await entries("logs\n!**/*.log"),
    ["ws/logs", "ws/logs/deep"],
    "an exclude is a glob, not a path prefix",
  );
});
