/**
 * A wide fleet (issue 26, item 4): STAX_BENCH_WIDE_WORKERS workers (default 32) of one slot, each a
 * process of its own on this machine, one front-end, one PostgreSQL, and 20 legs of `sleep 0.5`
 * per worker (640). Figures:
 *
 * - wall time of the run (POST → completed) against the ideal: legs / workers × 0.5 s;
 * - hand-off: each leg's first step started, from the later of its enqueueing and the end of the
 *   previous leg on the same worker (the moment a slot could have taken it). Queue time while every
 *   slot is busy is not the fleet's overhead, so it is not counted;
 * - connections: `pg_stat_activity` of the bench's database, sampled every 100 ms;
 * - legs claimed twice: any leg whose job was reported started twice, or a worker count per leg
 *   other than one.
 *
 * Run alone: `node --import tsx bench/fleet-wide.ts`.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startFleet } from "../test/helpers/fleet.js";
import { startPostgres } from "../test/helpers/postgres.js";

type Row = { name: string; value: string };
const sleep = (n: number) => new Promise((r) => setTimeout(r, n));
const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/** CPU seconds of a process and of its children it reaped (a worker's steps, PostgreSQL's backends that ended). */
function treeCpu(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return 0;
  }
}

/** PostgreSQL's CPU: the postmaster with what its ended backends used, plus the live ones. */
async function pgCpu(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ pid: number }>("SELECT pid FROM pg_stat_activity");
  const me = rows.map((r) => r.pid);
  const parent = Number(readFileSync(`/proc/${me[0]}/stat`, "utf8").split(") ")[1].split(" ")[1]);
  return treeCpu(parent) + me.reduce((a, p) => a + treeCpu(p), 0);
}

/** A matrix has at most 256 legs: the legs are 64 per job. */
function workspace(legs: number): string {
  const ws = mkdtempSync(join(tmpdir(), "stax-bench-wide-"));
  mkdirSync(join(ws, ".github/workflows"), { recursive: true });
  const jobs: string[] = [];
  for (let j = 0; j * 64 < legs; j++) {
    const n = Math.min(64, legs - j * 64);
    jobs.push(
      `  j${j}:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        n: [${Array.from({ length: n }, (_, i) => i + 1).join(", ")}]\n    steps:\n      - run: sleep 0.5\n`,
    );
  }
  writeFileSync(join(ws, ".github/workflows/wide.yml"), `name: wide\non: push\njobs:\n${jobs.join("")}`);
  writeFileSync(
    join(ws, ".github/workflows/warm.yml"),
    "name: warm\non: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n",
  );
  return ws;
}

type RunJob = { id: string; name: string; steps: { startedAt?: string; completedAt?: string }[] };

async function runToEnd(url: string, workflow: string): Promise<{ id: string; ms: number; jobs: RunJob[] }> {
  const t0 = performance.now();
  const res = await fetch(`${url}/api/runs`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ workflow }),
  });
  if (res.status !== 201) throw new Error(`POST /api/runs: ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  for (const t = Date.now(); Date.now() - t < 900_000; await sleep(100)) {
    const run = (await (await fetch(`${url}/api/runs/${id}`)).json()) as {
      status: string;
      conclusion?: string;
      jobs: RunJob[];
    };
    if (run.status === "completed") {
      if (run.conclusion !== "success") {
        const log = await (await fetch(`${url}/api/runs/${id}/logs`)).text();
        throw new Error(
          `bench: run ${id} ended ${run.conclusion}:\n${log
            .split("\n")
            .filter((l) => /error|fail/i.test(l))
            .slice(0, 10)
            .join("\n")}`,
        );
      }
      return { id, ms: performance.now() - t0, jobs: run.jobs };
    }
  }
  throw new Error(`bench: run ${id} did not complete`);
}

export async function benchFleetWide(): Promise<Row[]> {
  const n = Number(process.env.STAX_BENCH_WIDE_WORKERS ?? 32);
  const legs = n * 20;
  const server = await startPostgres();
  const db = new pg.Client({ connectionString: server.url });
  await db.connect();
  const ws = workspace(legs);
  const fleet = await startFleet({ databaseUrl: server.url, workspace: ws, frontEnds: 1 });
  try {
    for (let i = 1; i <= n; i++) await fleet.startWorker(`wide-${i}`, ["--concurrency", "1"]);
    const url = fleet.frontEnds[0].url;
    await runToEnd(url, "warm");
    // Connections of every process but this one's sampler.
    const samples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      for (; sampling; await sleep(100)) {
        const { rows } = await db.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
        );
        samples.push(Number(rows[0].n));
      }
    })().catch(() => {});
    const cpu = async () => ({
      fe: treeCpu(fleet.frontEnds[0].child.pid),
      workers: [...fleet.workers.values()].reduce((a, w) => a + treeCpu(w.child.pid), 0),
      pg: await pgCpu(db),
    });
    const cpu0 = await cpu();
    const { id, ms, jobs } = await runToEnd(url, "wide").finally(() => (sampling = false));
    await sampler;
    const cpu1 = await cpu();
    const { rows } = await db.query<{ job_id: string; worker: string; created_at: string }>(
      "SELECT job_id, worker, created_at FROM stax_legs WHERE run_id = $1",
      [id],
    );
    const byJob = new Map(jobs.map((j) => [j.id, j]));
    const perWorker = new Map<string, { created: number; start: number; end: number }[]>();
    for (const r of rows) {
      const job = byJob.get(r.job_id)!;
      const s = job.steps[0];
      const list = perWorker.get(r.worker) ?? perWorker.set(r.worker, []).get(r.worker)!;
      list.push({ created: Number(r.created_at), start: Date.parse(s.startedAt!), end: Date.parse(s.completedAt!) });
    }
    const handoff: number[] = [];
    for (const list of perWorker.values()) {
      list.sort((a, b) => a.start - b.start);
      list.forEach((l, i) => handoff.push(l.start - Math.max(l.created, i ? list[i - 1].end : 0)));
    }
    const ideal = (legs / n) * 500;
    const twice = rows.length - new Set(rows.map((r) => r.job_id)).size + (legs - rows.length);
    return [
      {
        name: `${legs} legs of sleep 0.5, ${n} workers × 1 slot`,
        value: `${(ms / 1000).toFixed(1)} s: ${(ms / ideal).toFixed(2)}× the ideal (target ≤ 1.15×); legs claimed twice or never: ${twice}; workers used ${perWorker.size}`,
      },
      { name: `  baseline: the ideal, ${legs / n} legs × 0.5 s`, value: `${(ideal / 1000).toFixed(1)} s` },
      {
        name: "  slot free or leg enqueued → step.started",
        value: `p50 ${pct(handoff, 50)} ms, p99 ${pct(handoff, 99)} ms, max ${Math.max(...handoff)} ms (target p99 ≤ 100 ms)`,
      },
      {
        name: "  CPU during the run",
        value: `front-end ${(cpu1.fe - cpu0.fe).toFixed(1)} s, workers with their steps ${(cpu1.workers - cpu0.workers).toFixed(1)} s, PostgreSQL ${(cpu1.pg - cpu0.pg).toFixed(1)} s: ${(((cpu1.fe - cpu0.fe + cpu1.workers - cpu0.workers + cpu1.pg - cpu0.pg) * 1000) / legs).toFixed(0)} ms a leg; the machine's 2 cores give ${((2 * ms) / legs).toFixed(0)} ms a leg in that wall time`,
      },
      {
        name: "  connections to PostgreSQL (pg_stat_activity)",
        value: `peak ${Math.max(...samples)}, median ${pct(samples, 50)} (${n} workers + 1 front-end)`,
      },
    ];
  } finally {
    // As a user stops them (Ctrl-C): a worker run with --cpu-prof in NODE_OPTIONS writes its profile.
    await Promise.all(
      [...fleet.workers.values()].map(
        (w) =>
          new Promise((r) =>
            w.child.exitCode !== null
              ? r(0)
              : (w.child.once("exit", r), w.child.kill("SIGTERM"), setTimeout(r, 10_000).unref()),
          ),
      ),
    );
    await fleet.stop();
    await db.end();
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchFleetWide()) console.log(`  ${r.name}  ${r.value}`);
}
