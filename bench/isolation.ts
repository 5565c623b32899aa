/**
 * The cost of a job leg's own checkout (src/engine/job/checkouts.ts) on a repository of 5,000 files
 * with a few uncommitted and untracked ones: the snapshot (temporary index, write-tree,
 * commit-tree) plus `git worktree add`, against `git worktree add` of the same commit alone.
 * The snapshot is counted in full for the one leg, as a run with a single job pays it; legs
 * of a matrix share it. Medians of interleaved rounds.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Checkouts } from "../src/engine/index.js";

const FILES = 5000;
const ROUNDS = 5;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const git = (cwd: string, ...args: string[]): string =>
  execFileSync("git", ["-c", "user.name=b", "-c", "user.email=b@example.invalid", ...args], {
    cwd,
    encoding: "utf8",
  }).trim();
const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));

function generateRepo(): string {
  const ws = mkdtempSync(join(tmpdir(), "stax-bench-iso-"));
  for (let i = 0; i < FILES; i++) {
    const dir = join(ws, "src", `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${i}.ts`), `export const v${i} = ${i};\n`.repeat(20));
  }
  writeFileSync(join(ws, ".gitignore"), "node_modules/\n");
  git(ws, "init", "-q");
  git(ws, "add", "-A");
  git(ws, "commit", "-qm", "generated");
  writeFileSync(join(ws, "src", "d0", "f0.ts"), "export const changed = true;\n");
  writeFileSync(join(ws, "untracked.ts"), "export {};\n");
  mkdirSync(join(ws, "node_modules", "x"), { recursive: true });
  return ws;
}

/** Isolation time per leg and the plain `git worktree add` time, on the generated repository. */
export async function benchIsolation(): Promise<{ name: string; value: string }[]> {
  const ws = generateRepo();
  const root = mkdtempSync(join(tmpdir(), "stax-bench-legs-"));
  try {
    const iso: number[] = [];
    const plain: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const checkouts = new Checkouts(ws, { mode: "isolated", root }, `run${r}`, env);
      let t0 = performance.now();
      const leg = await checkouts.acquire("leg");
      iso.push(performance.now() - t0);
      const commit = git(leg.dir, "rev-parse", "HEAD");
      leg.dispose(false);
      // The leg's files go in the background while a run goes on: wait for them here, so neither
      // this round's baseline nor the next round's checkout shares the disk with their deletion.
      await checkouts.close();
      const dir = join(root, `plain${r}`);
      t0 = performance.now();
      git(ws, "worktree", "add", "--detach", "--quiet", dir, commit);
      plain.push(performance.now() - t0);
      git(ws, "worktree", "remove", "--force", dir);
    }
    const a = median(iso);
    const b = median(plain);
    return [
      { name: `own checkout per leg (${FILES} files, snapshot + worktree)`, value: `${a.toFixed(0)} ms` },
      { name: "baseline: git worktree add of the same commit", value: `${b.toFixed(0)} ms` },
      { name: "ratio (target ≤ 1.5×)", value: `${(a / b).toFixed(2)}×` },
    ];
  } finally {
    rmSync(ws, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  }
}
