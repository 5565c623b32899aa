/**
 * Start-up (issue 22): the CPU (user + system) of the built `bin/stax` against `node -e 0` on the
 * same Node, in interleaved pairs, medians. Read from bash's `times` (the CPU of its finished
 * children, in ms), so a loaded machine's waiting does not count. `stax run` is a one-step
 * workflow (`run: "true"`) in a git repository, on the embedded store, as users type it (no
 * runner answers, so it asks whether one does and runs in-process), with its step's own cost
 * (bash running `true`) measured the same way and subtracted before the ratio. With
 * `STAX_BENCH_BEFORE=<another checkout, built>` that checkout's `stax run` is measured in the same rounds.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PAIRS = 15;
const STAX = join(import.meta.dirname, "..", "bin", "stax");
const BEFORE = process.env.STAX_BENCH_BEFORE;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU ms of one run of a command line (run by bash, which reports its children's CPU). */
function cpu(argv: string[], cwd: string, env: NodeJS.ProcessEnv): number {
  const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const r = spawnSync("bash", ["-c", `${argv.map(q).join(" ")} >/dev/null 2>&1 || exit 9; times`], {
    cwd,
    env,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed (${r.status}); run npm run build first`);
  const [user, sys] = [
    ...r.stdout
      .trim()
      .split("\n")[1]
      .matchAll(/(\d+)m([\d.]+)s/g),
  ].map((m) => Number(m[1]) * 60_000 + Number(m[2]) * 1000);
  return user + sys;
}

export async function benchStartup(): Promise<{ name: string; value: string }[]> {
  const ws = mkdtempSync(join(tmpdir(), "stax-bench-startup-"));
  try {
    mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
    writeFileSync(
      join(ws, ".github", "workflows", "one.yml"),
      'on: push\njobs:\n  one:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n',
    );
    const git = (...a: string[]) =>
      execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid", ...a], {
        cwd: ws,
        stdio: "ignore",
      });
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("commit", "-qm", "bench");
    const env = {
      ...process.env,
      STAX_HOME: join(ws, ".stax-home"),
      STAX_WORKSPACE: "",
      RUNNER_URL: "",
      NO_COLOR: "1",
    };
    const node = process.execPath;
    const base: number[] = [];
    const version: number[] = [];
    const help: number[] = [];
    const list: number[] = [];
    const run: number[] = [];
    const before: number[] = [];
    const step: number[] = [];
    // A home of its own: what a build keeps between runs (the loaded workflow) is not another build's.
    const beforeEnv = { ...env, STAX_HOME: join(ws, ".stax-home-before") };
    cpu([node, STAX, "run", "one"], ws, env); // the first run creates the store
    if (BEFORE) cpu([node, join(BEFORE, "bin", "stax"), "run", "one"], ws, beforeEnv);
    for (let i = 0; i < PAIRS; i++) {
      base.push(cpu([node, "-e", "0"], ws, env));
      version.push(cpu([node, STAX, "--version"], ws, env));
      help.push(cpu([node, STAX, "--help"], ws, env));
      list.push(cpu([node, STAX, "run", "-l"], ws, env));
      run.push(cpu([node, STAX, "run", "one"], ws, env));
      if (BEFORE) before.push(cpu([node, join(BEFORE, "bin", "stax"), "run", "one"], ws, beforeEnv));
      step.push(cpu(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", "true"], ws, env));
    }
    const b = median(base);
    const ratio = (xs: number[], minus = 0) =>
      `${median(xs).toFixed(0)} ms CPU, ${((median(xs) - minus) / b).toFixed(2)}× node -e 0`;
    const rows = [
      {
        name: `node -e 0 (Node ${process.versions.node}; medians of ${PAIRS} interleaved runs)`,
        value: `${b.toFixed(0)} ms CPU`,
      },
      { name: "stax --version", value: `${ratio(version)} (target ≤ 1.3×)` },
      { name: "stax --help", value: ratio(help) },
      { name: "stax run -l (one workflow)", value: ratio(list) },
      {
        name: "stax run of a one-step workflow, minus the step",
        value: `${ratio(run, median(step))}; the step (bash running true) ${median(step).toFixed(1)} ms (target ≤ 1.5×)`,
      },
    ];
    if (BEFORE)
      rows.push({ name: "before: STAX_BENCH_BEFORE's stax run, minus the step", value: ratio(before, median(step)) });
    return rows;
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
}
