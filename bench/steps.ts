/**
 * Per-step overhead: one job of 300 `run: true` steps (`STAX_BENCH_STEPS`), against the floor of running the same
 * scripts with `bash --noprofile --norc -eo pipefail`, measured in the same run: (a) from a Node
 * loop spawning each (the mechanism any runner written in Node needs), in this process and (a')
 * in a fresh `node`, and (b) from a bash `for` loop (fork+exec without Node). Medians of several interleaved rounds.
 * The engine is measured twice: in this process (through tsx), and as users run it — the built
 * `bin/stax run` — where the per-step cost is (T(300 steps) − T(1 step)) / 299, which cancels
 * start-up and parsing. With `STAX_BENCH_BEFORE=<another checkout, built>` that checkout's
 * `bin/stax run` is measured in the same rounds too.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRun } from "../src/engine/index.js";
import { loadWorkflow } from "../src/workflow/index.js";

const STEPS = Number(process.env.STAX_BENCH_STEPS ?? 300);
const ROUNDS = Number(process.env.STAX_BENCH_ROUNDS ?? 7);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** "min–max" of the rounds, per step: what the README's ranges are read from. */
const range = (xs: number[], per = 1): string =>
  `${(Math.min(...xs) / per).toFixed(2)}–${(Math.max(...xs) / per).toFixed(2)}`;

async function engineOnce(workspace: string, file: string): Promise<number> {
  const workflow = await loadWorkflow(file, workspace);
  const t0 = performance.now();
  const handle = startRun({
    runId: "bench",
    runNumber: 1,
    workspace,
    workflow,
    event: "push",
    hostEnv: process.env,
    tempDir: mkdtempSync(join(tmpdir(), "stax-bench-")),
    sink: { emit() {} },
  });
  const run = await handle.done;
  if (run.conclusion !== "success") throw new Error(`bench run failed: ${run.conclusion}`);
  return performance.now() - t0;
}

/** Another checkout's built CLI, measured in the same rounds (`STAX_BENCH_BEFORE`, as bench/store.ts). */
const BEFORE = process.env.STAX_BENCH_BEFORE;

function cliOnce(workspace: string, file: string, root = join(import.meta.dirname, "..")): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(root, "bin", "stax"), "run", file, "--workspace", workspace], {
    stdio: "ignore",
  });
  if (r.status !== 0) throw new Error(`bin/stax run ${file} failed (${r.status}); run npm run build first`);
  return performance.now() - t0;
}

async function nodeLoopOnce(scripts: string[]): Promise<number> {
  const t0 = performance.now();
  for (const s of scripts) {
    await new Promise<void>((resolve, reject) => {
      const p = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", s], { stdio: ["ignore", "pipe", "pipe"] });
      p.on("error", reject);
      p.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
    });
  }
  return performance.now() - t0;
}

/**
 * The Node loop in a fresh `node` (nothing loaded, the least memory a Node process has): libuv
 * forks the whole process for each child, and the fork's cost grows with the memory it copies
 * the page tables of, so this is the floor of any runner in Node, below the loop in this process.
 */
function bareNodeLoopOnce(scripts: string[]): number {
  const loop = `const { spawn } = require("node:child_process");
(async () => {
  const t0 = performance.now();
  for (const s of JSON.parse(process.argv[1]))
    await new Promise((resolve, reject) => {
      const p = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", s], { stdio: ["ignore", "pipe", "pipe"] });
      p.on("error", reject);
      p.on("close", (code) => (code === 0 ? resolve() : reject(new Error("exit " + code))));
    });
  process.stdout.write(String(performance.now() - t0));
})();`;
  const r = spawnSync(process.execPath, ["-e", loop, JSON.stringify(scripts)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bare Node loop failed: ${r.stderr}`);
  return Number(r.stdout);
}

function bashLoopOnce(dir: string): number {
  const t0 = performance.now();
  const r = spawnSync("bash", [
    "-c",
    `for f in "${dir}"/*.sh; do bash --noprofile --norc -eo pipefail "$f" || exit 1; done`,
  ]);
  if (r.status !== 0) throw new Error("bash loop failed");
  return performance.now() - t0;
}

export async function benchSteps(): Promise<{ name: string; value: string }[]> {
  const workspace = mkdtempSync(join(tmpdir(), "stax-bench-ws-"));
  try {
    mkdirSync(join(workspace, ".github/workflows"), { recursive: true });
    const file = join(workspace, ".github/workflows/steps.yml");
    const workflow = (n: number) =>
      `on: push\njobs:\n  steps:\n    runs-on: ubuntu-latest\n    steps:\n${"      - run: true\n".repeat(n)}`;
    writeFileSync(file, workflow(STEPS));
    const one = join(workspace, ".github/workflows/one.yml");
    writeFileSync(one, workflow(1));
    const scriptDir = join(workspace, "scripts");
    mkdirSync(scriptDir);
    const scripts = Array.from({ length: STEPS }, (_, i) => {
      const s = join(scriptDir, `${String(i).padStart(3, "0")}.sh`);
      writeFileSync(s, "true\n");
      return s;
    });
    await engineOnce(workspace, file); // warm-up: module load, first parse
    const engine: number[] = [];
    const nodeLoop: number[] = [];
    const bareLoop: number[] = [];
    const bashLoop: number[] = [];
    const cli: number[] = [];
    const before: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      engine.push(await engineOnce(workspace, file));
      cli.push((cliOnce(workspace, file) - cliOnce(workspace, one)) / (STEPS - 1));
      if (BEFORE) before.push((cliOnce(workspace, file, BEFORE) - cliOnce(workspace, one, BEFORE)) / (STEPS - 1));
      nodeLoop.push(await nodeLoopOnce(scripts));
      bareLoop.push(bareNodeLoopOnce(scripts));
      bashLoop.push(bashLoopOnce(scriptDir));
    }
    const e = median(engine);
    const n = median(nodeLoop);
    const bare = median(bareLoop);
    const b = median(bashLoop);
    const c = median(cli) * STEPS;
    const rows = [
      {
        name: `bin/stax run: per step, (T(${STEPS}) − T(1)) / ${STEPS - 1}`,
        value: `${(c / STEPS).toFixed(2)} ms/step (rounds: ${range(cli)}; ${range(cli.map((x, i) => (x * STEPS) / bashLoop[i]))}× floor (b))`,
      },
      {
        name: `in-process engine (tsx): 1 job × ${STEPS} \`run: true\` steps`,
        value: `${e.toFixed(0)} ms (${(e / STEPS).toFixed(2)} ms/step)`,
      },
      {
        name: "floor (a): same scripts spawned from a Node loop",
        value: `${n.toFixed(0)} ms (${(n / STEPS).toFixed(2)} ms/step; rounds: ${range(nodeLoop, STEPS)})`,
      },
      {
        name: "floor (a'): the same Node loop in a fresh node (no tsx, nothing loaded)",
        value: `${bare.toFixed(0)} ms (${(bare / STEPS).toFixed(2)} ms/step; rounds: ${range(bareLoop, STEPS)})`,
      },
      {
        name: "floor (b): same scripts from a bash for-loop",
        value: `${b.toFixed(0)} ms (${(b / STEPS).toFixed(2)} ms/step; rounds: ${range(bashLoop, STEPS)})`,
      },
      { name: "ratio bin/stax / floor (a)", value: `${(c / n).toFixed(2)}×` },
      { name: "ratio bin/stax / floor (b)  [target ≤ 1.3×]", value: `${(c / b).toFixed(2)}×` },
      { name: "ratio floor (a') / floor (b): Node's own spawn against bash's", value: `${(bare / b).toFixed(2)}×` },
      { name: "ratio bin/stax / floor (a')", value: `${(c / bare).toFixed(2)}×` },
      { name: "ratio in-process engine / floor (a)", value: `${(e / n).toFixed(2)}×` },
      { name: "ratio engine / floor (b)", value: `${(e / b).toFixed(2)}×` },
    ];
    if (BEFORE)
      rows.splice(1, 0, {
        name: "before: STAX_BENCH_BEFORE's bin/stax run, per step",
        value: `${median(before).toFixed(2)} ms/step (${(median(before) / (b / STEPS)).toFixed(2)}× floor (b); rounds: ${range(before)}; ${range(before.map((x, i) => (x * STEPS) / bashLoop[i]))}×)`,
      });
    return rows;
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}
