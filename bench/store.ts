/**
 * The embedded store before and after issue 22 (better-sqlite3 → Node's `node:sqlite`): single
 * appends, batched log lines, 10 connections following one writer, and the recovery of a store
 * whose writer was killed mid-run (bench/store-child.ts). "After" is this checkout on the Node
 * running the bench; "before", when STAX_BENCH_BEFORE names another checkout (main's, with its
 * own `npm ci`) and STAX_BENCH_BEFORE_NODE its Node, runs the same rounds there, interleaved
 * with this one's, since a shared machine's load moves both alike. Ranges over the rounds.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const ROUNDS = Number(process.env.STAX_BENCH_STORE_ROUNDS ?? 3);
const ROOT = join(import.meta.dirname, "..");
const CHILD = join(import.meta.dirname, "store-child.ts");

interface Round {
  node: string;
  singleUs: number;
  batchedLinesPerS: number;
  linesPerS: number;
  recoverMs: number;
}

interface RunnerRound {
  node: string;
  runnerLinesPerS: number;
  runnerCpu: number;
  lost: number;
}

function round<T = Round>(node: string, root: string, mode = "all"): T {
  // This checkout's tsx runs both: the other checkout's sources are imported by path.
  const r = spawnSync(node, ["--import", import.meta.resolve("tsx"), CHILD, root, mode], {
    encoding: "utf8",
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`store bench on ${root} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop() as string) as T;
}

/** The median, then the range over the rounds: a loaded machine's outliers show without moving the median much. */
const range = (xs: number[], digits = 0) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const [lo, mid, hi] = [sorted[0], sorted[Math.floor(sorted.length / 2)], sorted[sorted.length - 1]];
  return lo.toFixed(digits) === hi.toFixed(digits)
    ? lo.toFixed(digits)
    : `${mid.toFixed(digits)} (${lo.toFixed(digits)}–${hi.toFixed(digits)})`;
};
const k = (xs: number[]) => range(xs.map((x) => x / 1000)).replace(/\d+/g, "$&k");

export async function benchStore(): Promise<{ name: string; value: string }[]> {
  const before = process.env.STAX_BENCH_BEFORE;
  const beforeNode = process.env.STAX_BENCH_BEFORE_NODE ?? "node";
  const after: Round[] = [];
  const was: Round[] = [];
  const afterRunner: RunnerRound[] = [];
  const wasRunner: RunnerRound[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    after.push(round(process.execPath, ROOT));
    if (before) was.push(round(beforeNode, before));
    afterRunner.push(round<RunnerRound>(process.execPath, ROOT, "runner"));
    if (before) wasRunner.push(round<RunnerRound>(beforeNode, before, "runner"));
  }
  const runnerRow = (rs: RunnerRound[]) =>
    `${k(rs.map((r) => r.runnerLinesPerS))} lines/s, the runner's CPU ${range(
      rs.map((r) => r.runnerCpu),
      2,
    )} s, lost ${Math.max(...rs.map((r) => r.lost))}`;
  const row = (name: string, pick: (r: Round) => number, fmt: (xs: number[]) => string) => ({
    name,
    value: `${fmt(after.map(pick))} (Node ${after[0].node})${was.length ? `; before: ${fmt(was.map(pick))} (Node ${was[0].node}, better-sqlite3)` : ""}`,
  });
  return [
    row(
      "one event per append (µs per append)",
      (r) => r.singleUs,
      (xs) => `${range(xs)} µs`,
    ),
    row(
      "log lines appended in batches of 1,000",
      (r) => r.batchedLinesPerS,
      (xs) => `${k(xs)} lines/s`,
    ),
    row(
      "log lines to 10 connections following one writer",
      (r) => r.linesPerS,
      (xs) => `${k(xs)} lines/s`,
    ),
    {
      name: "the runner: 1M lines of a step to 10 SSE subscribers",
      value: `${runnerRow(afterRunner)} (Node ${afterRunner[0].node})${wasRunner.length ? `; before: ${runnerRow(wasRunner)} (Node ${wasRunner[0].node}, better-sqlite3)` : ""}`,
    },
    row(
      "crash recovery: open + recover 20 runs, 300k lines, writer killed",
      (r) => r.recoverMs,
      (xs) => `${range(xs)} ms`,
    ),
  ];
}
