/**
 * The four ways to start a run give a step the same `github` context (CTX-01), event payload
 * (CTX-02) and GITHUB_* / RUNNER_* variables (VAR-02, VAR-04), the same files and the same commit:
 * `stax run` alone, `stax run` submitting to the workspace's runner, the dashboard's
 * `POST /api/runs` (the runner's default sandbox, a worktree of HEAD) and a fleet (a front-end on
 * a real PostgreSQL, a `stax worker` running the legs). The workspace is a clean git repository
 * on `trunk` (not main), with an `origin` on GitHub or with no remote at all.
 *
 * What differs on purpose is left out or normalised: what every run has of its own (run_id,
 * run_number, run_attempt, RUNNER_TRACKING_ID), what every step has (job, action*, token), and
 * the folders of the machine that runs the leg (workspace, temp, event file, tool cache).
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { after, before, test } from "node:test";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { factsByPath, headOf, pathsWorkspace, PATHS, type Facts, type StartPath } from "../helpers/start-paths.js";

let pg: TestPostgres;
before(async () => (pg = await startPostgres()));
after(async () => pg?.stop());

/** CTX-01 fields each run or step has of its own, or that name a folder of the machine running the leg. */
const OWN = ["run_id", "run_number", "run_attempt", "job", "workspace", "event_path", "token"];
const OWN_ENV = ["GITHUB_RUN_ID", "GITHUB_RUN_NUMBER", "GITHUB_RUN_ATTEMPT", "GITHUB_JOB", "RUNNER_TRACKING_ID"];

/**
 * What must be the same whichever way the run started: the github context without its per-run
 * fields, and the variables with the leg's folders named by role ($WORKSPACE, $RUNNER_TEMP, …).
 */
function comparable(f: Facts): { github: Record<string, unknown>; env: Record<string, string>; files: string[] } {
  const github = Object.fromEntries(
    Object.entries(f.github).filter(([k]) => !OWN.includes(k) && !k.startsWith("action")),
  );
  const temp = f.env.RUNNER_TEMP;
  const folders: [string, string][] = [
    [String(f.github.workspace), "$WORKSPACE"],
    [temp, "$RUNNER_TEMP"],
    // The run's temporary folder (the event file is in it): the job's RUNNER_TEMP is <it>/jobs/<job>.
    [dirname(dirname(temp)), "$RUN_TEMP"],
    [f.env.RUNNER_TOOL_CACHE, "$TOOL_CACHE"],
  ];
  const env = Object.fromEntries(
    Object.entries(f.env)
      .filter(([k]) => !OWN_ENV.includes(k) && !k.startsWith("GITHUB_ACTION_") && k !== "GITHUB_ACTION")
      .map(([k, v]) => [k, folders.reduce((s, [path, role]) => s.split(path).join(role), v)]),
  );
  return { github, env, files: f.files };
}

/** Differences that are right: a fleet's leg runs on a worker, and `runner.name` is that worker's (CTX-03, VAR-04). */
function expected(path: StartPath, f: ReturnType<typeof comparable>): ReturnType<typeof comparable> {
  return path === "fleet" ? { ...f, env: { ...f.env, RUNNER_NAME: "w1" } } : f;
}

const CASES = [
  { name: "with origin on GitHub", remote: "https://github.com/acme/shop.git", repository: "acme/shop" },
  { name: "with no remote", remote: undefined, repository: "local/shop" },
];

for (const c of CASES) {
  test(`CTX-01, CTX-02: the four ways to start a run give a step the same github context, variables, files and commit (${c.name})`, async () => {
    const ws = pathsWorkspace(c.remote);
    const sha = headOf(ws);
    const facts = await factsByPath(ws, pg.url);
    const first = comparable(facts["stax run"]);
    // The workspace's own facts, not the sandbox's or the worker's (the bug fixed in 6a215d4).
    assert.equal(first.github.repository, c.repository);
    assert.equal(first.github.ref, "refs/heads/trunk");
    assert.equal(first.github.sha, sha);
    assert.equal(first.env.GITHUB_WORKSPACE, "$WORKSPACE");
    assert.deepEqual(first.files, [".git", ".github", "README.md"]);
    for (const path of PATHS) {
      const f = facts[path];
      assert.deepEqual(comparable(f), expected(path, first), `${path} differs from stax run`);
      assert.equal(f.tree, headOf(ws, "HEAD^{tree}"), `${path}: the leg has the files of github.sha`);
      assert.equal(f.head, sha, `${path}: the leg's HEAD is github.sha`);
    }
  });
}
