/**
 * A fleet leg's checkout of a new commit (the worker's first leg of it, on its way to its first
 * step): `checkoutBundle` (src/host/source-checkout.ts: the repository's files written, then
 * `index-pack` and `read-tree`) of the run's bundle, cut at HEAD, against the `git clone` the
 * worker ran before (the former `cloneBundle`, same options) of the parentless bundle of the same
 * files that `snapshotSource` made then. Wall time of each, interleaved, over ROUNDS rounds, for
 * a small workspace (a handful of files) and for a copy of this repository's tracked files.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { snapshotSource, fetchBundle } from "../src/host/source.js";
import { checkoutBundle } from "../src/host/source-checkout.js";
import { openStore } from "../src/store/index.js";

const ROUNDS = Number(process.env.STAX_BENCH_ROUNDS ?? 30);
const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=b", "-c", "user.email=b@b", ...args], { cwd, stdio: "ignore" });

/** The clone the worker ran before this change. */
function clone(file: string, dir: string): void {
  execFileSync("git", [
    "-c",
    "core.logAllRefUpdates=false",
    "-c",
    "core.fsync=none",
    "clone",
    "-q",
    "--no-tags",
    "--template=",
    "-b",
    "source",
    file,
    dir,
  ]);
}

const root = mkdtempSync(join(tmpdir(), "stax-bench-checkout-"));
const store = openStore(join(root, "data"));
try {
  const small = join(root, "small");
  mkdirSync(join(small, ".github/workflows"), { recursive: true });
  writeFileSync(join(small, ".github/workflows/one.yml"), "on: push\njobs:\n  j:\n    steps:\n      - run: true\n");
  for (let i = 0; i < 4; i++) writeFileSync(join(small, `f${i}.txt`), `${i}\n`);
  const repo = join(root, "repo");
  mkdirSync(repo);
  execFileSync("bash", ["-c", `git -C ${JSON.stringify(process.cwd())} archive HEAD | tar -x -C ${repo}`]);
  for (const [name, files] of [
    ["small", small],
    ["this repository", repo],
  ] as const) {
    // Outside git, snapshotSource makes the parentless commit every bundle held before.
    const before = await snapshotSource(files, store.blobs, `${name}-before`, [], process.env);
    git(files, "init", "-q");
    git(files, "add", "-A");
    git(files, "commit", "-qm", "head");
    const after = await snapshotSource(files, store.blobs, `${name}-after`, [], process.env);
    const [beforeFile, afterFile] = [join(root, "before.bundle"), join(root, "after.bundle")];
    await fetchBundle(store.blobs, before, beforeFile);
    await fetchBundle(store.blobs, after, afterFile);
    const times = { clone: [] as number[], checkout: [] as number[] };
    const ways = {
      clone: (dir: string) => Promise.resolve(clone(beforeFile, dir)),
      checkout: (dir: string) => checkoutBundle(afterFile, dir),
    };
    for (let i = 0; i < ROUNDS; i++) {
      // Each goes first in every other round: the disk's writing back of the round before falls on both alike.
      const order = i % 2 ? (["clone", "checkout"] as const) : (["checkout", "clone"] as const);
      const dirs = order.map((way) => join(root, `${way}-${i}`));
      for (const [n, way] of order.entries()) {
        const t = performance.now();
        await ways[way](dirs[n]);
        times[way].push(performance.now() - t);
      }
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
    const line = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(1)} ms, p90 ${pct(xs, 90).toFixed(1)} ms`;
    console.log(`${name}: git clone (before) ${line(times.clone)}; checkoutBundle ${line(times.checkout)}`);
  }
} finally {
  store.close();
  rmSync(root, { recursive: true, force: true });
}
