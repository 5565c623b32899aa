/**
 * A worker prepares each commit's source once (src/worker/sources.ts): the run's bundle is
 * fetched once, the commit's first leg clones it and a pristine checkout is cloned after it,
 * each later leg copies that checkout into a folder of its own, and the workflow is loaded once
 * for the commit. Snapshots of the same files share a commit, so an
 * unchanged workspace's runs share the preparation; a changed file makes a new commit.
 */
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { after, test } from "node:test";
import { checkoutSource, fetchBundle, snapshotSource } from "../../src/host/source.js";
import { checkoutBundle } from "../../src/host/source-checkout.js";
import { openStore, sourceKey } from "../../src/store/index.js";
import { WorkerSources } from "../../src/worker/sources.js";
import { gitInit, tempDir } from "../helpers/temp.js";

const root = tempDir("stax-worker-sources-");
const store = openStore(join(root, "data"));
after(() => store.close());

function workspace(): string {
  const ws = join(root, `ws-${Math.random().toString(36).slice(2)}`);
  mkdirSync(join(ws, ".github/workflows"), { recursive: true });
  writeFileSync(
    join(ws, ".github/workflows/ci.yml"),
    "name: ci\non: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n",
  );
  writeFileSync(join(ws, "a.txt"), "one\n");
  return ws;
}

const snapshot = (ws: string, runId: string) => snapshotSource(ws, store.blobs, runId, [], process.env);
const git = (dir: string, ...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();

/** HEAD of a checkout, its parents, how many commits its history holds and whether it is shallow. */
function history(dir: string): { head: string; parents: string; commits: string; shallow: string } {
  return {
    head: git(dir, "rev-parse", "HEAD"),
    parents: git(dir, "log", "-1", "--format=%P"),
    commits: git(dir, "rev-list", "--count", "HEAD"),
    shallow: git(dir, "rev-parse", "--is-shallow-repository"),
  };
}

/** The legs of `source` on a new worker: the first checks the bundle out, the second copies the pristine checkout. */
async function twoLegs(source: { key: string; commit: string }, name: string): Promise<string[]> {
  const dir = join(root, `sources-${name}`);
  const sources = new WorkerSources(dir);
  const legs = [join(root, `${name}-1`), join(root, `${name}-2`)];
  await sources.checkout(store.blobs, source, legs[0]);
  await prepared(dir);
  await sources.checkout(store.blobs, source, legs[1]);
  await sources.close();
  return legs;
}

/**
 * The worker's sources folder once every preparation under way is made (no bundle file left):
 * its pristine checkouts. A commit's first leg clones the bundle itself and the pristine
 * checkout follows, off that leg's way.
 */
async function prepared(dir: string): Promise<string[]> {
  for (let t = Date.now(); Date.now() - t < 10_000; await new Promise((r) => setTimeout(r, 20))) {
    const names = readdirSync(dir);
    if (!names.some((n) => n.endsWith(".bundle"))) return names;
  }
  throw new Error(`${dir}: a preparation did not end`);
}

test("two runs of the same files have the same source commit; a changed file makes a new one", async () => {
  const ws = workspace();
  const first = await snapshot(ws, "run-1");
  const second = await snapshot(ws, "run-2");
  assert.notEqual(first.key, second.key, "each run stores its own bundle");
  assert.equal(first.commit, second.commit);
  writeFileSync(join(ws, "a.txt"), "two\n");
  assert.notEqual((await snapshot(ws, "run-3")).commit, first.commit);
});

test("in a git repository too: the snapshot is dated as HEAD, so runs of the same HEAD and changes share a commit", async () => {
  const ws = workspace();
  gitInit(ws);
  writeFileSync(join(ws, "untracked.txt"), "not committed\n");
  const first = await snapshot(ws, "git-1");
  await new Promise((r) => setTimeout(r, 1100)); // a clock's second later: the date is HEAD's, not now
  assert.equal((await snapshot(ws, "git-2")).commit, first.commit);
});

test("a clean repository's legs check out HEAD itself (github.sha), with history cut at HEAD as a depth-1 checkout", async () => {
  const ws = workspace();
  gitInit(ws);
  writeFileSync(join(ws, "a.txt"), "two\n");
  git(ws, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "second");
  const head = git(ws, "rev-parse", "HEAD");
  const source = await snapshot(ws, "clean");
  assert.equal(source.commit, head, "the source commit is HEAD");
  for (const leg of await twoLegs(source, "clean")) {
    assert.deepEqual(history(leg), { head, parents: "", commits: "1", shallow: "true" }, leg);
    assert.equal(git(leg, "status", "--porcelain"), "", `${leg}: nothing changed`);
    assert.equal(readFileSync(join(leg, "a.txt"), "utf8"), "two\n");
  }
});

test("a changed repository's legs check out a child of HEAD holding the changes, with history cut at HEAD", async () => {
  const ws = workspace();
  gitInit(ws);
  const head = git(ws, "rev-parse", "HEAD");
  writeFileSync(join(ws, "a.txt"), "changed\n");
  writeFileSync(join(ws, "new.txt"), "untracked\n");
  const source = await snapshot(ws, "dirty");
  assert.equal((await snapshot(ws, "dirty-again")).commit, source.commit, "the same changes, the same commit");
  const taken = join(root, "dirty-taken-over");
  await checkoutSource(store.blobs, source, taken); // a front-end taking the run over
  for (const leg of [...(await twoLegs(source, "dirty")), taken]) {
    assert.deepEqual(history(leg), { head: source.commit, parents: head, commits: "2", shallow: "true" }, leg);
    assert.equal(git(leg, "diff", "--name-only", "HEAD^", "HEAD"), "a.txt\nnew.txt", `${leg}: the changes`);
    assert.equal(readFileSync(join(leg, "a.txt"), "utf8"), "changed\n");
    assert.equal(git(leg, "status", "--porcelain"), "", `${leg}: nothing changed`);
    assert.equal(statSync(leg).mode & 0o077, 0, `${leg}: private`);
  }
});

test("outside git the legs check out one commit of the files with no parent", async () => {
  const ws = workspace();
  const source = await snapshot(ws, "plain");
  for (const leg of await twoLegs(source, "plain")) {
    assert.deepEqual(history(leg), { head: source.commit, parents: "", commits: "1", shallow: "false" }, leg);
    assert.equal(readFileSync(join(leg, "a.txt"), "utf8"), "one\n");
  }
});

test("legs of one commit share one preparation yet each sees only its own files; a new commit is prepared anew", async () => {
  const ws = workspace();
  const dir = join(root, "sources");
  const sources = new WorkerSources(dir);
  const source = await snapshot(ws, "run-a");
  const legA = join(root, "leg-a");
  const legB = join(root, "leg-b");
  await sources.checkout(store.blobs, source, legA);
  assert.equal((await prepared(dir)).length, 1, "one preparation for the commit");
  // The bundle is gone from the store: the second leg can only have been given the prepared copy.
  await store.blobs.deletePrefix(sourceKey("run-a"));
  await sources.checkout(store.blobs, source, legB);
  writeFileSync(join(legA, "a.txt"), "changed by leg a\n");
  writeFileSync(join(legA, "new.txt"), "made by leg a\n");
  assert.equal(readFileSync(join(legB, "a.txt"), "utf8"), "one\n", "leg b does not see leg a's change");
  assert.equal(existsSync(join(legB, "new.txt")), false, "nor its new file");
  assert.ok(existsSync(join(legB, ".git")), "each leg's copy is a git checkout");

  // A run of the same files, its bundle stored under its own key: the same commit, nothing prepared again.
  const again = await snapshot(ws, "run-b");
  await store.blobs.deletePrefix(sourceKey("run-b"));
  await sources.checkout(store.blobs, again, join(root, "leg-c"));
  assert.equal(readFileSync(join(root, "leg-c", "a.txt"), "utf8"), "one\n");

  writeFileSync(join(ws, "a.txt"), "edited\n");
  const edited = await snapshot(ws, "run-c");
  await sources.checkout(store.blobs, edited, join(root, "leg-d"));
  assert.equal(readFileSync(join(root, "leg-d", "a.txt"), "utf8"), "edited\n");
  assert.equal((await prepared(dir)).length, 2, "the new commit has a preparation of its own");
  await sources.close();
  assert.equal(existsSync(dir), false, "a stopping worker removes its prepared sources");
});

test("a commit's workflow is loaded once for its legs, each with its own file path", async () => {
  const ws = workspace();
  const sources = new WorkerSources(join(root, "sources-wf"));
  const source = await snapshot(ws, "run-wf");
  const [a, b] = [join(root, "wf-a"), join(root, "wf-b")];
  await sources.checkout(store.blobs, source, a);
  await sources.checkout(store.blobs, source, b);
  const wa = await sources.workflow(source, ".github/workflows/ci.yml", a);
  const wb = await sources.workflow(source, ".github/workflows/ci.yml", b);
  assert.equal(wa.errors.length, 0);
  assert.equal(wa.definition, wb.definition, "one load for the commit");
  assert.equal(wa.filePath, join(a, ".github/workflows/ci.yml"));
  assert.equal(wb.filePath, join(b, ".github/workflows/ci.yml"));
  await sources.close();
});

test("a leg's copy keeps executable bits, symbolic links and nested folders, whether small (copied in the worker) or large (cp -a)", async () => {
  for (const files of [3, 300]) {
    const ws = workspace();
    mkdirSync(join(ws, "deep/er"), { recursive: true });
    writeFileSync(join(ws, "deep/er/run.sh"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
    symlinkSync("deep/er/run.sh", join(ws, "link.sh"));
    for (let i = 0; i < files; i++) writeFileSync(join(ws, "deep", `f${i}.txt`), `${i}\n`);
    const sources = new WorkerSources(join(root, `sources-${files}`));
    const source = await snapshot(ws, `run-${files}`);
    // The first leg checks the bundle out itself; the second copies the pristine checkout.
    await sources.checkout(store.blobs, source, join(root, `first-leg-${files}`));
    await prepared(join(root, `sources-${files}`));
    const leg = join(root, `leg-${files}`);
    await sources.checkout(store.blobs, source, leg);
    assert.equal(statSync(join(leg, "deep/er/run.sh")).mode & 0o111, 0o111, `${files}: still executable`);
    assert.equal(readlinkSync(join(leg, "link.sh")), "deep/er/run.sh", `${files}: the link is a link`);
    assert.equal(readFileSync(join(leg, "deep", `f${files - 1}.txt`), "utf8"), `${files - 1}\n`);
    assert.equal(readdirSync(join(leg, "deep")).length, files + 1);
    assert.equal(statSync(leg).mode & 0o077, 0, `${files}: the leg's checkout is its user's alone`);
    await sources.close();
  }
});

test("a worker keeps the sources of its 8 most recently used commits, not every commit it ever ran", async () => {
  const ws = workspace();
  const dir = join(root, "sources-kept");
  const sources = new WorkerSources(dir);
  for (let i = 0; i < 10; i++) {
    writeFileSync(join(ws, "a.txt"), `${i}\n`);
    await sources.checkout(store.blobs, await snapshot(ws, `kept-${i}`), join(root, `kept-leg-${i}`));
  }
  // The evicted folders are removed once their preparation settled: asynchronously.
  for (let t = Date.now(); (await prepared(dir)).length > 8 && Date.now() - t < 10_000;)
    await new Promise((r) => setTimeout(r, 20));
  assert.equal((await prepared(dir)).length, 8);
  await sources.close();
});

test("a worker's prepared sources are private to its user (0700)", async () => {
  const dir = join(root, "sources-private");
  const sources = new WorkerSources(dir);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  await sources.close();
});

test("a bundle whose pack is cut short fails its checkout with git's reason, and leaves no folder behind", async () => {
  const source = await snapshot(workspace(), "cut-short");
  const whole = join(root, "whole.bundle");
  await fetchBundle(store.blobs, source, whole);
  const bytes = readFileSync(whole);
  const cut = join(root, "cut.bundle");
  writeFileSync(cut, bytes.subarray(0, bytes.length - 30));
  const dir = join(root, "cut-checkout");
  await assert.rejects(checkoutBundle(cut, dir), /index-pack and read-tree in .* failed \(\d+\): .*(pack|EOF|early)/i);
  assert.equal(existsSync(dir), false);
  // The whole bundle checks out: the failure was the cut.
  await checkoutBundle(whole, dir);
  assert.equal(readFileSync(join(dir, "a.txt"), "utf8"), "one\n");
});
