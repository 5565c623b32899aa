/**
 * A whole CI run against its critical path (issue 26): a generated project whose workflow has a
 * lint job, a 4-leg test matrix that needs it (each leg ~2 s of CPU, writing 5,000 files and
 * uploading its result as an artifact) and a report job that needs the matrix and downloads the
 * artifacts. Timed with the built `bin/stax run`, against the same commands run directly: each
 * job in a fresh `git worktree` (added, run, removed, as stax does with a leg's checkout), the
 * legs in parallel with stax's default parallelism (`STAX_MAX_JOBS` = 4 × cores, so all four at
 * once), the results copied where the report reads them. Interleaved rounds; medians and ranges.
 */
import { execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";

const LEGS = 4;
const FILES = 5000;
const LEG_CPU_MS = 2000;
const ROUNDS = Number(process.env.STAX_BENCH_CI_ROUNDS ?? 3);
const STAX = join(import.meta.dirname, "..", "bin", "stax");

/** CPU (user + system, ms) of this process's waited-for children so far: /proc/self/stat fields 16–17, in clock ticks (100 a second). */
function childCpu(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[13]) + Number(f[14])) * 10;
}

/** Wall time and children's CPU of `f`. */
async function timed(f: () => unknown): Promise<{ wall: number; cpu: number }> {
  const c0 = childCpu();
  const t0 = performance.now();
  await f();
  return { wall: performance.now() - t0, cpu: childCpu() - c0 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs: number[]): string => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)} ms`;
const git = (cwd: string, ...args: string[]): string =>
  execFileSync("git", ["-c", "user.name=b", "-c", "user.email=b@example.invalid", ...args], {
    cwd,
    encoding: "utf8",
  }).trim();

/** The work script: `rounds` chained SHA-256 hashes (the CPU), then `files` small files under `out`. */
const WORK = `const { createHash } = require("node:crypto");
const { mkdirSync, writeFileSync } = require("node:fs");
const [rounds, files, out] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
let h = Buffer.alloc(32);
for (let i = 0; i < rounds; i++) h = createHash("sha256").update(h).digest();
for (let i = 0; i < files; i++) {
  if (i % 500 === 0) mkdirSync(out + "/d" + i / 500, { recursive: true });
  writeFileSync(out + "/d" + Math.floor(i / 500) + "/f" + i + ".txt", "result " + i + "\\n");
}
console.log(out + " " + h.toString("hex"));
`;

/** Hash rounds that take about `ms` of CPU here (the same loop as the work script, in this process). */
export function calibrate(ms: number): number {
  let h = Buffer.alloc(32);
  const n = 50_000;
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) h = createHash("sha256").update(h).digest();
  const used = process.cpuUsage(t0);
  return Math.round((n * ms * 1000) / (used.user + used.system));
}

const commands = (rounds: number) => ({
  lint: `node scripts/work.cjs ${Math.round(rounds / 20)} 0 out/lint`,
  test: (leg: string) => `node scripts/work.cjs ${rounds} ${FILES} out/leg${leg} > result-${leg}.txt`,
  report: `cat results/*/*.txt > report.txt && test "$(wc -l < report.txt)" -eq ${LEGS}`,
});

export function generate(rounds: number): string {
  const ws = mkdtempSync(join(tmpdir(), "stax-bench-ci-"));
  const c = commands(rounds);
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  mkdirSync(join(ws, "scripts"));
  writeFileSync(join(ws, "scripts", "work.cjs"), WORK);
  writeFileSync(join(ws, ".gitignore"), "out/\n");
  const legs = Array.from({ length: LEGS }, (_, i) => i + 1).join(", ");
  writeFileSync(
    join(ws, ".github", "workflows", "ci.yml"),
    `on: push
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: ${c.lint}
  test:
    needs: lint
    runs-on: ubuntu-latest
    strategy:
      matrix:
        leg: [${legs}]
    steps:
      - run: ${c.test("${{ matrix.leg }}")}
      - uses: actions/upload-artifact@v4
        with:
          name: result-\${{ matrix.leg }}
          path: result-\${{ matrix.leg }}.txt
  report:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v4
        with:
          path: results
      - run: ${c.report}
`,
  );
  git(ws, "init", "-q");
  git(ws, "add", "-A");
  git(ws, "commit", "-qm", "generated");
  return ws;
}

/**
 * git without blocking this process (the legs' worktrees are added and removed while others run),
 * one command at a time: two `git worktree` commands at once on a repository may fail on its locks.
 */
let gitTurn: Promise<unknown> = Promise.resolve();
function gitAsync(cwd: string, ...args: string[]): Promise<void> {
  const next = gitTurn.then(
    () =>
      new Promise<void>((resolve, reject) => execFile("git", args, { cwd }, (err) => (err ? reject(err) : resolve()))),
  );
  gitTurn = next.catch(() => {});
  return next;
}

/** Runs `cmd` with bash in a fresh worktree of HEAD, then `after` in it, then removes the worktree. */
async function inWorktree(
  ws: string,
  dir: string,
  cmd: string,
  before?: (dir: string) => void,
  after?: (dir: string) => void,
): Promise<void> {
  await gitAsync(ws, "worktree", "add", "--detach", "--quiet", dir, "HEAD");
  before?.(dir);
  // In a session of its own, as stax runs each step: with the kernel's autogroup scheduling, a
  // session is what shares the CPU fairly against other sessions (a loaded machine's other work).
  const code = await new Promise<number | null>((resolve, reject) =>
    spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", cmd], {
      cwd: dir,
      stdio: "ignore",
      detached: true,
    })
      .on("error", reject)
      .on("close", resolve),
  );
  if (code !== 0) throw new Error(`direct: '${cmd}' failed (${code})`);
  after?.(dir);
  await gitAsync(ws, "worktree", "remove", "--force", dir);
}

/** The critical path run directly: lint, then the legs at once, then the report with their results. */
async function directOnce(ws: string, rounds: number): Promise<void> {
  const c = commands(rounds);
  const root = mkdtempSync(join(tmpdir(), "stax-bench-ci-direct-"));
  const results = join(root, "results");
  mkdirSync(results);
  try {
    await inWorktree(ws, join(root, "lint"), c.lint);
    await Promise.all(
      Array.from({ length: LEGS }, (_, i) =>
        inWorktree(ws, join(root, `leg${i + 1}`), c.test(String(i + 1)), undefined, (d) =>
          copyFileSync(join(d, `result-${i + 1}.txt`), join(results, `result-${i + 1}.txt`)),
        ),
      ),
    );
    await inWorktree(ws, join(root, "report"), c.report, (d) => {
      // As download-artifact lays them out: results/<artifact>/<file>.
      for (let i = 1; i <= LEGS; i++) {
        mkdirSync(join(d, "results", `result-${i}`), { recursive: true });
        copyFileSync(join(results, `result-${i}.txt`), join(d, "results", `result-${i}`, `result-${i}.txt`));
      }
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Another checkout's built CLI, timed in the same rounds with a home of its own (`STAX_BENCH_BEFORE`, as bench/steps.ts). */
const BEFORE = process.env.STAX_BENCH_BEFORE;

function staxOnce(ws: string, home: string, stax = STAX): void {
  const r = spawnSync(process.execPath, [stax, "run", "ci", "--workspace", ws], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, STAX_HOME: home },
    encoding: "utf8",
  });
  if (r.status !== 0)
    throw new Error(
      `bin/stax run ci failed (${r.status}): ${(r.stdout + r.stderr).slice(-3000)}; run npm run build first`,
    );
}

export async function benchCi(): Promise<{ name: string; value: string }[]> {
  const rounds = calibrate(LEG_CPU_MS);
  const ws = generate(rounds);
  const home = mkdtempSync(join(tmpdir(), "stax-bench-ci-home-"));
  try {
    const staxT: { wall: number; cpu: number }[] = [];
    const directT: { wall: number; cpu: number }[] = [];
    const beforeT: { wall: number; cpu: number }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Alternating which goes first, so neither always follows the other's disk writes.
      if (r % 2) staxT.push(await timed(() => staxOnce(ws, home)));
      directT.push(await timed(() => directOnce(ws, rounds)));
      if (!(r % 2)) staxT.push(await timed(() => staxOnce(ws, home)));
      if (BEFORE) beforeT.push(await timed(() => staxOnce(ws, `${home}-before`, join(BEFORE, "bin", "stax"))));
      spawnSync("sync");
    }
    const stax = staxT.map((t) => t.wall);
    const direct = directT.map((t) => t.wall);
    const s = median(stax);
    const d = median(direct);
    const sc = median(staxT.map((t) => t.cpu));
    const dc = median(directT.map((t) => t.cpu));
    const target = 1.1 * d + 200;
    const cores = availableParallelism();
    const rows = [
      {
        name: `stax run: lint → ${LEGS} legs (~${LEG_CPU_MS / 1000} s CPU, ${FILES} files each) → report`,
        value: `${s.toFixed(0)} ms (${range(stax)} over ${ROUNDS})`,
      },
      {
        name: `critical path run directly, fresh worktrees, ${LEGS} legs at once`,
        value: `${d.toFixed(0)} ms (${range(direct)})`,
      },
      { name: "ratio stax / direct", value: `${(s / d).toFixed(2)}× (+${(s - d).toFixed(0)} ms)` },
      {
        name: "CPU (user + system, all processes): stax run / direct",
        value: `${sc.toFixed(0)} / ${dc.toFixed(0)} ms (stax adds ${(sc - dc).toFixed(0)} ms)`,
      },
      { name: "target ≤ 1.1 × direct + 200 ms", value: `${target.toFixed(0)} ms: ${s <= target ? "met" : "not met"}` },
      {
        name: `bound: ${LEGS} × ${LEG_CPU_MS / 1000} s of CPU on ${cores} cores`,
        value: `≥ ${((LEGS * LEG_CPU_MS) / Math.min(cores, LEGS) / 1000).toFixed(1)} s for the matrix alone`,
      },
    ];
    if (BEFORE) {
      const b = beforeT.map((t) => t.wall);
      rows.splice(1, 0, {
        name: "before: STAX_BENCH_BEFORE's stax run, same rounds",
        value: `${median(b).toFixed(0)} ms (${range(b)}; ${(median(b) / d).toFixed(2)}× direct); CPU ${median(beforeT.map((t) => t.cpu)).toFixed(0)} ms`,
      });
    }
    return rows;
  } finally {
    rmSync(ws, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
    rmSync(`${home}-before`, { recursive: true, force: true });
  }
}
