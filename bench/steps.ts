/**
 * Per-step overhead: one job of 100 `run: true` steps through the engine, against the floor of
 * running the same 100 scripts with `bash --noprofile --norc -eo pipefail`, measured in the same
 * run: (a) from a Node loop spawning each (the mechanism any runner written in Node needs) and
 * (b) from a bash `for` loop (fork+exec without Node). Medians of several rounds.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRun } from "../src/engine/index.js";
import { loadWorkflow } from "../src/workflow/index.js";

const STEPS = 100;
const ROUNDS = 5;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function engineOnce(workspace: string, file: string): Promise<number> {
  const workflow = await loadWorkflow(file, workspace);
  const t0 = performance.now();
  const handle = startRun({ runId: "bench", runNumber: 1, workspace, workflow, event: "push", hostEnv: process.env, tempDir: mkdtempSync(join(tmpdir(), "stax-bench-")), sink: { emit() {} } });
  const run = await handle.done;
  if (run.conclusion !== "success") throw new Error(`bench run failed: ${run.conclusion}`);
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

function bashLoopOnce(dir: string): number {
  const t0 = performance.now();
  const r = spawnSync("bash", ["-c", `for f in "${dir}"/*.sh; do bash --noprofile --norc -eo pipefail "$f" || exit 1; done`]);
  if (r.status !== 0) throw new Error("bash loop failed");
  return performance.now() - t0;
}

export async function benchSteps(): Promise<{ name: string; value: string }[]> {
  const workspace = mkdtempSync(join(tmpdir(), "stax-bench-ws-"));
  try {
    mkdirSync(join(workspace, ".github/workflows"), { recursive: true });
    const file = join(workspace, ".github/workflows/steps.yml");
    writeFileSync(file, `on: push\njobs:\n  steps:\n    runs-on: ubuntu-latest\n    steps:\n${"      - run: true\n".repeat(STEPS)}`);
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
    const bashLoop: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      engine.push(await engineOnce(workspace, file));
      nodeLoop.push(await nodeLoopOnce(scripts));
      bashLoop.push(bashLoopOnce(scriptDir));
    }
    const e = median(engine);
    const n = median(nodeLoop);
    const b = median(bashLoop);
    return [
      { name: `engine: 1 job × ${STEPS} \`run: true\` steps`, value: `${e.toFixed(0)} ms (${(e / STEPS).toFixed(2)} ms/step)` },
      { name: "floor (a): same scripts spawned from a Node loop", value: `${n.toFixed(0)} ms (${(n / STEPS).toFixed(2)} ms/step)` },
      { name: "floor (b): same scripts from a bash for-loop", value: `${b.toFixed(0)} ms (${(b / STEPS).toFixed(2)} ms/step)` },
      { name: "ratio engine / floor (a)  [target ≤ 1.3×]", value: `${(e / n).toFixed(2)}×` },
      { name: "ratio engine / floor (b)", value: `${(e / b).toFixed(2)}×` },
    ];
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}
