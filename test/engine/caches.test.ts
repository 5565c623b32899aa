/** The engine's module-level caches live as long as a runner: each keeps a bounded number of entries. */
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileCommandDirs, prepareFileCommands } from "../../src/engine/io/file-commands.js";
import { gitFacts, readGitInfoAsync } from "../../src/engine/context/git.js";
import { Lru } from "../../src/engine/io/lru.js";
import { shellLookups, which } from "../../src/engine/steps/shell.js";
import { tempDir } from "../helpers/temp.js";

const tmp = tempDir("stax-caches-");
after(() => rmSync(tmp, { recursive: true, force: true }));

test("Lru keeps the most recently used entries up to its capacity", () => {
  const lru = new Lru<string, number>(2);
  lru.set("a", 1);
  lru.set("b", 2);
  assert.equal(lru.get("a"), 1, "reading a marks it recent");
  lru.set("c", 3);
  assert.deepEqual([lru.has("a"), lru.has("b"), lru.has("c")], [true, false, true]);
  lru.set("a", 4);
  lru.set("d", 5);
  assert.deepEqual([lru.get("a"), lru.has("c"), lru.get("d"), lru.size], [4, false, 5, 2]);
});

test("the shell lookup cache stays bounded however many PATHs steps make", () => {
  for (let i = 0; i < 500; i++) assert.ok(which("sh", `${join(tmp, `path-${i}`)}:${process.env.PATH}`));
  assert.ok(shellLookups.size <= 64, `${shellLookups.size} lookups kept`);
});

test("the file-command folder cache stays bounded however many jobs ran", () => {
  for (let i = 0; i < 600; i++) {
    const dir = join(tmp, "jobs", String(i));
    mkdirSync(dir, { recursive: true });
    prepareFileCommands(dir);
  }
  assert.ok(fileCommandDirs.size <= 256, `${fileCommandDirs.size} folders kept`);
});

test("the git facts cache stays bounded however many workspaces were read", async () => {
  for (let i = 0; i < 40; i++) {
    const dir = join(tmp, "ws", String(i));
    mkdirSync(dir, { recursive: true });
    await readGitInfoAsync(dir, `ws-${i}`);
  }
  assert.ok(gitFacts.size <= 32, `${gitFacts.size} workspaces kept`);
});
