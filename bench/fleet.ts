/**
 * Many machines (issue 12): front-ends and workers as processes over a real PostgreSQL started by
 * the bench. Each figure against a baseline of the same run:
 *
 * - speed-up: N legs of `sleep 1` (STAX_BENCH_LEGS, default 120) on 4 workers of 2 slots, against
 *   the same run on 1 worker of 1 slot (ideal: 8×);
 * - queue latency: a leg enqueued (its row's time, the database's clock) → its first step started,
 *   over 40 single-leg runs one after the other, against a GET /health round trip; interleaved
 *   with 40 runs that each follow an edit of the workspace (a new commit: its source prepared anew);
 * - log throughput through PostgreSQL: one step on a worker printing 1M lines, 2 front-ends × 5
 *   subscribers (each a process of its own), against the same script piped to `wc -l`.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import pg from "pg";
import { startFleet, type Fleet } from "../test/helpers/fleet.js";
import { startPostgres } from "../test/helpers/postgres.js";
import { completed, count, PRINT, subscriber } from "./runner.js";

type Row = { name: string; value: string };
const sleep = (n: number) => new Promise((r) => setTimeout(r, n));
const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

function workspace(legs: number): string {
  const ws = mkdtempSync(join(tmpdir(), "stax-bench-fleet-"));
  mkdirSync(join(ws, ".github/workflows"), { recursive: true });
  const values = Array.from({ length: legs }, (_, i) => i + 1).join(", ");
  writeFileSync(
    join(ws, ".github/workflows/wide.yml"),
    `name: wide\non: push\njobs:\n  leg:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        n: [${values}]\n    steps:\n      - run: sleep 1\n`,
  );
  writeFileSync(join(ws, "print.cjs"), PRINT);
  writeFileSync(
    join(ws, ".github/workflows/million.yml"),
    "name: million\non: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: node print.cjs 1000000\n",
  );
  writeFileSync(
    join(ws, ".github/workflows/one.yml"),
    "name: one\non: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n",
  );
  // More legs than one worker has slots, each long enough that the other worker claims some.
  writeFileSync(
    join(ws, ".github/workflows/warm.yml"),
    "name: warm\non: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        n: [1, 2, 3, 4]\n    steps:\n      - run: sleep 0.5\n",
  );
  return ws;
}

async function runToEnd(
  url: string,
  workflow: string,
): Promise<{ id: string; ms: number; run: { jobs: { steps: { startedAt?: string }[] }[] } }> {
  const t0 = performance.now();
  const res = await fetch(`${url}/api/runs`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ workflow }),
  });
  if (res.status !== 201) throw new Error(`POST /api/runs: ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  for (const t = Date.now(); Date.now() - t < 600_000; await sleep(100)) {
    const run = (await (await fetch(`${url}/api/runs/${id}`)).json()) as {
      status: string;
      conclusion?: string;
      jobs: { steps: { startedAt?: string }[] }[];
    };
    if (run.status === "completed") {
      if (run.conclusion !== "success") throw new Error(`bench: run ${id} ended ${run.conclusion}`);
      return { id, ms: performance.now() - t0, run };
    }
  }
  throw new Error(`bench: run ${id} did not complete`);
}

async function withFleet<T>(
  databaseUrl: string,
  ws: string,
  workers: { n: number; slots: number },
  body: (f: Fleet) => Promise<T>,
  frontEnds = 1,
): Promise<T> {
  const fleet = await startFleet({ databaseUrl, workspace: ws, frontEnds });
  try {
    for (let i = 1; i <= workers.n; i++)
      await fleet.startWorker(`bench-${workers.n}-${i}`, ["--concurrency", String(workers.slots)]);
    return await body(fleet);
  } finally {
    await fleet.stop();
  }
}

/** 1M lines from a worker, through PostgreSQL, to 5 subscribers on each of 2 front-ends. */
async function throughPg(databaseUrl: string, ws: string): Promise<Row[]> {
  const t = performance.now();
  spawnSync("sh", ["-c", "node print.cjs 1000000 | wc -l"], { cwd: ws });
  const direct = 1_000_000 / ((performance.now() - t) / 1000);
  return withFleet(
    databaseUrl,
    ws,
    { n: 1, slots: 1 },
    async (f) => {
      const subs = await Promise.all(f.frontEnds.flatMap((fe) => Array.from({ length: 5 }, () => subscriber(fe.url))));
      const t0 = performance.now();
      const res = await fetch(`${f.frontEnds[0].url}/api/runs`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ workflow: "million" }),
      });
      const { id } = (await res.json()) as { id: string };
      await completed(subs.map((x) => x.file));
      const rate = 1_000_000 / ((performance.now() - t0) / 1000);
      subs.forEach((x) => x.close());
      const results = subs.map((x) => count(x.file));
      // Each stream holds the whole 1M-line log (some 100 MB): left in the temp folder, ten per run would fill the disk.
      for (const x of subs) rmSync(dirname(x.file), { recursive: true, force: true });
      const text = await (await fetch(`${f.frontEnds[1].url}/api/runs/${id}/logs`)).text();
      const persisted = text.split("\n").filter((l) => /^line \d+$/.test(l)).length;
      return [
        {
          name: "1M lines via PostgreSQL, 2 front-ends × 5 subscribers",
          value: `${Math.round(rate).toLocaleString("en")} lines/s to every subscriber (target ≥ 200,000); persisted ${persisted.toLocaleString("en")}; lost ${results.reduce((a, c) => a + (1_000_000 - c.lines), 0)}; overflows ${results.reduce((a, c) => a + c.overflows, 0)} (resumed)`,
        },
        { name: "  baseline: the script piped to wc -l", value: `${Math.round(direct).toLocaleString("en")} lines/s` },
      ];
    },
    2,
  );
}

export async function benchFleet(): Promise<Row[]> {
  const legs = Number(process.env.STAX_BENCH_LEGS ?? 120);
  const server = await startPostgres();
  const db = new pg.Client({ connectionString: server.url });
  await db.connect();
  try {
    const ws = workspace(legs);
    const one = await withFleet(
      server.url,
      ws,
      { n: 1, slots: 1 },
      async (f) => (await runToEnd(f.frontEnds[0].url, "wide")).ms,
    );
    const eight = await withFleet(
      server.url,
      ws,
      { n: 4, slots: 2 },
      async (f) => (await runToEnd(f.frontEnds[0].url, "wide")).ms,
    );
    const { delays, fresh, rtt } = await withFleet(server.url, ws, { n: 2, slots: 2 }, async (f) => {
      const url = f.frontEnds[0].url;
      await runToEnd(url, "warm"); // warm: each worker's first leg opens its store
      const delay = async (): Promise<number> => {
        const { id, run } = await runToEnd(url, "one");
        const { rows } = await db.query<{ created_at: string }>("SELECT created_at FROM stax_legs WHERE run_id = $1", [
          id,
        ]);
        return Date.parse(run.jobs[0].steps[0].startedAt!) - Number(rows[0].created_at);
      };
      // Runs of an unchanged workspace share a commit, whose source a worker prepared once; each
      // run after an edit is a new commit, prepared on its announcement (or its leg's claim).
      const delays: number[] = [];
      const fresh: number[] = [];
      for (let i = 0; i < 40; i++) {
        delays.push(await delay());
        writeFileSync(join(ws, "edited.txt"), `${i}\n`);
        fresh.push(await delay());
        rmSync(join(ws, "edited.txt")); // the next run is of the unchanged workspace again
      }
      const rtt: number[] = [];
      for (let i = 0; i < 40; i++) {
        const t0 = performance.now();
        await (await fetch(`${url}/health`)).text();
        rtt.push(performance.now() - t0);
      }
      return { delays, fresh, rtt };
    });
    const through = await throughPg(server.url, ws);
    return [
      ...through,
      {
        name: `${legs} legs of sleep 1, 4 workers × 2 slots`,
        value: `${(eight / 1000).toFixed(1)} s: speed-up ${(one / eight).toFixed(2)}× of the ideal 8× (target ≥ 7×)`,
      },
      { name: `  baseline: 1 worker × 1 slot`, value: `${(one / 1000).toFixed(1)} s` },
      {
        name: "leg enqueued → step.started (40 runs of one commit)",
        value: `p50 ${pct(delays, 50)} ms, p99 ${pct(delays, 99)} ms (targets 30 / 150 ms)`,
      },
      {
        name: "  … each run a new commit (40 runs)",
        value: `p50 ${pct(fresh, 50)} ms, p99 ${pct(fresh, 99)} ms`,
      },
      { name: "  baseline: GET /health round trip", value: `p50 ${pct(rtt, 50).toFixed(1)} ms` },
    ];
  } finally {
    await db.end();
    await server.stop();
  }
}
