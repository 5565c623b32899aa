/**
 * What a step sees, read the same way whichever of the four ways started its run: the `github`
 * context, the step's GITHUB_* and RUNNER_* variables, the files of its workspace and the HEAD of
 * its checkout, printed by one workflow and parsed from its log (stax run's output or the API's).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { WorkflowRun } from "../../src/contract/index.js";
import { api, finished, startFleet } from "./fleet.js";
import { spawnRunner, STAX_BIN, type ChildRunner } from "./runner.js";
import { tempDir } from "./temp.js";

const WORKFLOW = `on: [push, workflow_dispatch]
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - env:
          FACTS_GITHUB: \${{ toJSON(github) }}
        run: |
          echo "FACTS github $(printf '%s' "$FACTS_GITHUB" | base64 -w0)"
          echo "FACTS env $(env | grep -E '^(GITHUB|RUNNER)_' | sort | base64 -w0)"
          echo "FACTS files $(ls -A | sort | base64 -w0)"
          echo "FACTS head $(git rev-parse HEAD 2>/dev/null || echo none)"
          echo "FACTS tree $(git rev-parse 'HEAD^{tree}' 2>/dev/null || echo none)"
`;

/** What a step saw. */
export interface Facts {
  github: Record<string, unknown>;
  env: Record<string, string>;
  files: string[];
  /** `git rev-parse HEAD` in the step's workspace ("none" outside git), and its tree. */
  head: string;
  tree: string;
}

const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], {
    cwd: dir,
    encoding: "utf8",
  }).trim();

/**
 * A clean git workspace named `shop` on branch `trunk` (not main) with the workflow and a file,
 * its `origin` set to `remote` when given (nothing is fetched from it).
 */
export function pathsWorkspace(remote?: string): string {
  const ws = join(tempDir("stax-paths-"), "shop");
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  writeFileSync(join(ws, ".github", "workflows", "paths.yml"), WORKFLOW);
  writeFileSync(join(ws, "README.md"), "the shop\n");
  git(ws, "init", "-q", "-b", "trunk");
  git(ws, "add", "-A");
  git(ws, "commit", "-q", "-m", "the shop");
  if (remote) git(ws, "remote", "add", "origin", remote);
  return ws;
}

/** `git status --porcelain` of the workspace: "" while it is clean. */
export const dirt = (ws: string): string => git(ws, "status", "--porcelain");
export const headOf = (ws: string, what = "HEAD"): string => git(ws, "rev-parse", what);

/** The facts a log holds. */
export function parseFacts(log: string): Facts {
  const part = (name: string): string => {
    // The value alone ends its line: the script's own text, which a log may echo, does not match.
    const m = new RegExp(`FACTS ${name} ([A-Za-z0-9+/=]*)$`, "m").exec(log);
    if (!m) throw new Error(`no '${name}' facts in:\n${log}`);
    return m[1];
  };
  const text = (name: string) => Buffer.from(part(name), "base64").toString("utf8");
  const env = Object.fromEntries(
    text("env")
      .split("\n")
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return {
    github: JSON.parse(text("github")),
    env,
    files: text("files").split("\n").filter(Boolean),
    head: part("head"),
    tree: part("tree"),
  };
}

/** `stax run paths` in `ws` as a user types it (with `home` as STAX_HOME); throws unless it succeeds. */
export async function staxRun(ws: string, home: string): Promise<Facts> {
  const child = spawn(process.execPath, [STAX_BIN, "run", "paths"], {
    cwd: ws,
    env: { ...process.env, STAX_HOME: home, STAX_WORKSPACE: "", RUNNER_URL: "", NO_COLOR: "1", FORCE_COLOR: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const code = await new Promise<number | null>((r) => child.on("close", r));
  if (code !== 0) throw new Error(`stax run paths: exit ${code}\n${out}`);
  return parseFacts(out);
}

/** `POST /api/runs` with only the workflow, as the dashboard's "Run workflow" button sends it. */
export async function postRun(r: ChildRunner): Promise<Facts> {
  const created = await api<WorkflowRun>(r, "POST", "/api/runs", { workflow: "paths" });
  if (created.status !== 201) throw new Error(`POST /api/runs: ${created.status} ${JSON.stringify(created.body)}`);
  const run = await finished(r, created.body.id, 120_000);
  const log = (await api<string>(r, "GET", `/api/runs/${run.id}/logs`)).body;
  if (run.conclusion !== "success") throw new Error(`run ${run.id}: ${run.conclusion}\n${log}`);
  return parseFacts(log);
}

/** The four ways to start a run (the brief's order): how each is named in the tests. */
export const PATHS = ["stax run", "stax run via runner", "POST /api/runs", "fleet"] as const;
export type StartPath = (typeof PATHS)[number];

/**
 * The facts of one run of `paths.yml` in `ws` started each way, the workspace clean before each:
 * `stax run` with no runner, `stax run` while the workspace's runner answers (it submits the run),
 * the dashboard's `POST /api/runs` to that runner (its default sandbox), and the same post to a
 * front-end on PostgreSQL (`databaseUrl`) whose legs a `stax worker` runs.
 */
export async function factsByPath(ws: string, databaseUrl: string): Promise<Record<StartPath, Facts>> {
  const clean = <T>(f: T): T => {
    const left = dirt(ws);
    if (left !== "") throw new Error(`the workspace is not clean:\n${left}`);
    return f;
  };
  const home = tempDir("stax-home-");
  const alone = clean(await staxRun(ws, home));
  const runner = await spawnRunner(home, ws);
  let viaRunner: Facts, posted: Facts;
  try {
    viaRunner = clean(await staxRun(ws, home));
    posted = clean(await postRun(runner));
  } finally {
    runner.child.kill("SIGTERM");
    await runner.exited;
  }
  const fleet = await startFleet({ databaseUrl, workspace: ws, frontEnds: 1 });
  try {
    await fleet.startWorker("w1");
    const inFleet = clean(await postRun(fleet.frontEnds[0]));
    return { "stax run": alone, "stax run via runner": viaRunner, "POST /api/runs": posted, fleet: inFleet };
  } finally {
    await fleet.stop();
  }
}
