import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { FIXTURES } from "../helpers/engine.js";
import { tempDir } from "../helpers/temp.js";

const STAX = resolve(import.meta.dirname, "..", "..", "bin", "stax");
const home = tempDir("stax-iso-home-");

function stax(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [STAX, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, STAX_HOME: home, STAX_WORKSPACE: "", NO_COLOR: "1", FORCE_COLOR: "", RUNNER_URL: "" },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const git = (cwd: string, ...args: string[]): string =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], {
    cwd,
    encoding: "utf8",
  }).trim();

/** The isolation fixture in a fresh git repository: committed, plus a changed, an untracked and an ignored file. */
function gitWorkspace(): string {
  const ws = tempDir("stax-iso-");
  cpSync(join(FIXTURES, "isolation"), ws, { recursive: true });
  writeFileSync(join(ws, ".gitignore"), "node_modules/\nignored.txt\n");
  git(ws, "init", "-q", "-b", "main");
  git(ws, "add", "-A");
  git(ws, "commit", "-qm", "fixture");
  writeFileSync(join(ws, "leg-lib", "index.js"), 'module.exports = "leg-lib changed";\n');
  writeFileSync(join(ws, "untracked.txt"), "new\n");
  writeFileSync(join(ws, "ignored.txt"), "ignored\n");
  return ws;
}

/** What a run must leave unchanged in the user's repository. */
function repoState(ws: string): string {
  return [
    git(ws, "status", "--porcelain"),
    git(ws, "stash", "list"),
    git(ws, "branch", "-a"),
    git(ws, "worktree", "list", "--porcelain").split("\n")[0],
    git(ws, "rev-parse", "HEAD"),
  ].join("\n--\n");
}

test("a 3-leg matrix, each leg running npm install of a local package, runs each leg in its own checkout: no leg sees another's files", () => {
  const ws = gitWorkspace();
  const before = repoState(ws);
  const r = stax(["run", "legs", "-w", ws], ws);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(
    r.stdout.split("\n").filter((l) => l.startsWith("stax: each job runs in its own git worktree")).length,
    1,
    "the mode is printed once",
  );
  // The leg got the uncommitted change (HEAD plus tracked changes).
  assert.equal((r.stdout.match(/leg-lib changed/g) ?? []).length, 3, r.stdout);
  const dirs = [...r.stdout.matchAll(/workspace=(\S+)/g)].map((m) => m[1]);
  assert.equal(new Set(dirs).size, 3, `three distinct checkouts: ${dirs.join(", ")}`);
  for (const d of dirs) assert.equal(existsSync(d), false, `${d} is removed after the job`);
  // Nothing in the user's repository changed: no node_modules, no leg files, same index, no stash, no branch, no worktree.
  assert.equal(repoState(ws), before);
  assert.deepEqual(
    readdirSync(ws).filter((f) => /^leg-.*\.txt$|^node_modules$|^package-lock\.json$/.test(f)),
    [],
  );
});

test("the leg's checkout holds untracked files but not ignored ones, as a fresh checkout on GitHub would", () => {
  const ws = gitWorkspace();
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  writeFileSync(
    join(ws, ".github", "workflows", "look.yml"),
    "on: push\njobs:\n  look:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          [ -f untracked.txt ] && [ ! -e ignored.txt ] && [ ! -e node_modules ]\n          echo at=$PWD\n",
  );
  const r = stax(["run", "look", "-w", ws, "--keep-workspaces"], ws);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const kept = /kept this job's workspace at (\S+)/.exec(r.stdout)?.[1];
  assert.ok(
    kept && existsSync(join(kept, "untracked.txt")),
    `--keep-workspaces keeps the checkout and prints its path:\n${r.stdout}`,
  );
  assert.equal(readFileSync(join(kept, "leg-lib", "index.js"), "utf8"), 'module.exports = "leg-lib changed";\n');
});

test("--bind runs every leg in the workspace itself, so the same legs see each other's files and fail", () => {
  const ws = gitWorkspace();
  const r = stax(["run", "legs", "-w", ws, "--bind"], ws);
  assert.match(r.stdout, /^stax: every job runs in the workspace itself \(--bind\)/m);
  assert.equal(r.code, 1, r.stdout);
  assert.ok(existsSync(join(ws, "node_modules")), "--bind installs into the workspace's own node_modules");
});

test("a workspace that is not a git repository gets a copy per leg, without node_modules, and stays as it was", () => {
  const ws = tempDir("stax-iso-plain-");
  cpSync(join(FIXTURES, "isolation"), ws, { recursive: true });
  mkdirSync(join(ws, "node_modules", "junk"), { recursive: true });
  const r = stax(["run", "legs", "-w", ws], ws);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^stax: each job runs in its own copy of the workspace \(not a git repository/m);
  assert.deepEqual(
    readdirSync(ws).filter((f) => /^leg-.*\.txt$|^package-lock\.json$/.test(f)),
    [],
  );
  assert.deepEqual(readdirSync(join(ws, "node_modules")), ["junk"]);
});

test("a workspace that its enclosing repository ignores is copied, not snapshotted empty (a home folder kept in git)", () => {
  const repo = tempDir("stax-iso-outer-");
  git(repo, "init", "-q");
  writeFileSync(join(repo, ".gitignore"), "scratch/\n");
  const ws = join(repo, "scratch", "ws");
  cpSync(join(FIXTURES, "isolation"), ws, { recursive: true });
  const r = stax(["run", "legs", "-w", ws], ws);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^stax: each job runs in its own copy of the workspace/m);
});

test("a workspace in a sub-folder of a repository in the middle of a conflicted merge still gets its checkouts (the conflict is elsewhere)", () => {
  const repo = tempDir("stax-iso-merge-");
  git(repo, "init", "-q", "-b", "main");
  cpSync(join(FIXTURES, "isolation"), join(repo, "ws"), { recursive: true });
  writeFileSync(join(repo, "other.txt"), "base\n");
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "base");
  git(repo, "checkout", "-qb", "side");
  writeFileSync(join(repo, "other.txt"), "side\n");
  git(repo, "commit", "-qam", "side");
  git(repo, "checkout", "-q", "main");
  writeFileSync(join(repo, "other.txt"), "main\n");
  git(repo, "commit", "-qam", "main");
  assert.throws(() => git(repo, "merge", "-q", "side"));
  const before = repoState(repo);
  const ws = join(repo, "ws");
  const r = stax(["run", "legs", "-w", ws], ws);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^stax: each job runs in its own git worktree/m);
  assert.equal(repoState(repo), before, "the merge in progress is left as it was");
});

test("a wide matrix of isolated legs starts every leg's worktree at once without git tripping over another's half-made one, run after run", () => {
  const ws = gitWorkspace();
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  const legs = Array.from({ length: 16 }, (_, i) => i + 1).join(", ");
  writeFileSync(
    join(ws, ".github", "workflows", "wide.yml"),
    `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        n: [${legs}]\n    steps:\n      - run: test -f untracked.txt\n  b:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        n: [${legs}]\n    steps:\n      - run: test -f untracked.txt\n`,
  );
  for (let round = 0; round < 3; round++) {
    const r = stax(["run", "wide", "-w", ws], ws);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
  assert.equal(
    git(ws, "worktree", "list", "--porcelain")
      .split("\n")
      .filter((l) => l.startsWith("worktree ")).length,
    1,
    "every leg's worktree is gone",
  );
});

test("a leg's github.workspace, runner.workspace, runner.temp, hashFiles and the env of the workflow, the job and the step name its own checkout, not the user's folder (act's evalenv)", () => {
  const ws = tempDir("stax-iso-paths-");
  cpSync(join(FIXTURES, "leg-paths"), ws, { recursive: true });
  git(ws, "init", "-q", "-b", "main");
  git(ws, "add", "-A");
  git(ws, "commit", "-qm", "fixture");
  const r = stax(["run", "paths", "-w", ws], ws);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /\] +MISMATCH/, "a step printed a path that is not its checkout's");
  const legs = [...r.stdout.matchAll(/leg (\d) in (\S+)$/gm)].map((m) => [m[1], m[2]]);
  assert.equal(legs.length, 2, r.stdout);
  for (const [, dir] of legs) assert.ok(!dir.startsWith(ws), `the leg ran in the user's folder: ${dir}`);
  assert.equal(
    (r.stdout.match(/hashed [0-9a-f]{64}$/gm) ?? []).length,
    2,
    "hashFiles found the file each leg made in its checkout",
  );
  assert.match(r.stdout, /callee in /, "a called workflow's env names its leg's checkout too");
  assert.deepEqual(
    readdirSync(ws).filter((f) => ["build", "wf", "made-here.txt"].includes(f)),
    [],
    "nothing landed in the user's folder",
  );
});

for (const kind of ["not a git repository", "a git repository"] as const) {
  test(`with STAX_HOME inside a workspace that is ${kind}, every leg gets a checkout without stax's own folders and the user's files beside them (was: cannot copy to a subdirectory of self)`, () => {
    const ws = tempDir("stax-iso-home-inside-");
    mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
    mkdirSync(join(ws, "data"));
    writeFileSync(join(ws, "data", "keep.txt"), "the user's\n");
    writeFileSync(
      join(ws, ".github", "workflows", "own.yml"),
      `on: push
jobs:
  legs:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        n: [1, 2]
    steps:
      - run: |
          [ -f data/keep.txt ] || { echo "MISSING data/keep.txt"; exit 1; }
          [ ! -e data/stax-home ] || { echo "STAX_HOME IS IN THE CHECKOUT"; find data/stax-home -maxdepth 3; exit 1; }
          echo "leg \${{ matrix.n }} clean"
`,
    );
    if (kind === "a git repository") {
      git(ws, "init", "-q", "-b", "main");
      git(ws, "add", "-A");
      git(ws, "commit", "-qm", "fixture");
    }
    const own = join(ws, "data", "stax-home");
    const env = { ...process.env, STAX_HOME: own, STAX_WORKSPACE: "", NO_COLOR: "1", FORCE_COLOR: "", RUNNER_URL: "" };
    for (const round of [1, 2]) {
      // The second run finds the first one's store and checkouts folder in the workspace.
      const r = spawnSync(process.execPath, [STAX, "run", "own", "-w", ws], {
        cwd: ws,
        encoding: "utf8",
        env,
        timeout: 120_000,
      });
      assert.equal(r.status, 0, `round ${round}:\n${r.stdout}${r.stderr}`);
      assert.equal((r.stdout.match(/leg \d clean$/gm) ?? []).length, 2, r.stdout);
    }
    if (kind === "a git repository")
      assert.equal(
        git(ws, "status", "--porcelain", "--", "data/keep.txt", ".github"),
        "",
        "the user's repository is as it was",
      );
  });
}
