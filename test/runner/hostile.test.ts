import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { test } from "node:test";
import { loadConfig, workspaceDataDir } from "../../src/config/config.js";
import { StaxError, type ApiErrorBody, type WorkflowRun } from "../../src/contract/index.js";
import { HOSTILE_WORKFLOWS } from "../helpers/hostile-workflows.js";
import { startTestRunner, type TestRunner } from "../helpers/runner.js";
import { until, tempDir } from "../helpers/temp.js";

/** A workspace holding `files` under .github/workflows. */
function workspace(files: Record<string, string>): string {
  const dir = tempDir("stax-hostile-");
  mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, ".github", "workflows", name), text);
  return dir;
}

const job = (steps: string[], extra = "") =>
  `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n${extra}    steps:\n${steps.map((s) => `      - ${s}\n`).join("")}`;
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

async function log(r: TestRunner, run: WorkflowRun): Promise<string> {
  return (await r.json<string>("GET", `/api/runs/${run.id}/logs`)).body;
}

test("a step's environment holds the host's allow-listed variables and none of stax's own configuration", async () => {
  const ws = workspace({ "env.yml": job(["run: env"]) });
  const hostEnv = {
    ...process.env,
    STAX_TOKEN: "tok-1f2e3d",
    STAX_SECRETS_KEY: "key-0123456789abcdef",
    STAX_HOME: "/somewhere",
    DATABASE_PASSWORD: "hunter2",
    LC_ALL: "C.UTF-8",
  };
  const r = await startTestRunner({ workspace: ws, hostEnv });
  try {
    const run = await r.runToEnd("env");
    assert.equal(run.conclusion, "success");
    const text = await log(r, run);
    for (const leak of ["tok-1f2e3d", "key-0123456789abcdef", "STAX_", "hunter2", "DATABASE_PASSWORD"])
      assert.ok(!text.includes(leak), `a step sees ${leak}`);
    for (const kept of ["PATH=", "HOME=", "LC_ALL=C.UTF-8", "GITHUB_WORKSPACE=", "RUNNER_TEMP="])
      assert.ok(text.includes(kept), `a step sees ${kept}`);
  } finally {
    await r.close();
  }
});

test("run temp folders live in the data folder (0700, files 0600), are removed at the end of a run, and those a crash left are removed at the next start", async () => {
  const ws = workspace({
    "temp.yml": job([
      'run: echo "TEMP=$RUNNER_TEMP"; echo "x=1" >> "$GITHUB_ENV"; stat -c "%a %n" "$RUNNER_TEMP/../.." "$GITHUB_ENV" "$GITHUB_EVENT_PATH" "$0"',
      "run: echo done",
    ]),
  });
  const home = tempDir("stax-home-");
  const dataDir = workspaceDataDir(home, ws);
  const left = join(dataDir, "tmp", "deadbeef");
  mkdirSync(left, { recursive: true });
  writeFileSync(join(left, "step-script.sh"), "echo secret-from-a-crash");
  const r = await startTestRunner({ workspace: ws, home });
  try {
    assert.ok(!existsSync(left), "the temp folder of an interrupted run is removed at start");
    const run = await r.runToEnd("temp");
    assert.equal(run.conclusion, "success");
    const text = await log(r, run);
    const temp = /^TEMP=(\/.*)$/m.exec(text)?.[1] ?? "";
    assert.ok(temp.startsWith(join(dataDir, "tmp")), `RUNNER_TEMP ${temp} is under the data folder`);
    const modes = [...text.matchAll(/^(\d{3}) (\/.*)$/gm)].map((m) => m[1]);
    assert.deepEqual(modes, ["700", "600", "600", "600"], text);
    assert.deepEqual(readdirSync(join(dataDir, "tmp")), [], "removed at the end of the run");
  } finally {
    await r.close();
  }
});

test("the data folder is 0700 and the store, its WAL, and artifacts are 0600 whatever the umask", async () => {
  const old = process.umask(0o022);
  const r = await startTestRunner();
  try {
    const run = await r.runToEnd("artifacts");
    assert.equal(run.conclusion, "success");
    const dataDir = workspaceDataDir(r.home, r.workspace);
    assert.equal(mode(dataDir), "700");
    for (const f of ["stax.db", "stax.db-wal", "stax.db-shm"]) assert.equal(mode(join(dataDir, f)), "600", f);
    const walk = (dir: string): void => {
      assert.equal(mode(dir), "700", dir);
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else assert.equal(mode(join(dir, e.name)), "600", join(dir, e.name));
      }
    };
    walk(join(dataDir, "artifacts"));
  } finally {
    process.umask(old);
    await r.close();
  }
});

test("a single-file artifact that is a symlink is stored as the content it pointed to at upload, never as a link", async () => {
  const ws = workspace({
    "link.yml": job([
      'run: echo first > "$RUNNER_TEMP/target.txt" && ln -s "$RUNNER_TEMP/target.txt" "$RUNNER_TEMP/link.txt" && ln -s /etc/hostname "$RUNNER_TEMP/host.txt"',
      "uses: actions/upload-artifact@v4\n        with:\n          name: link\n          path: ${{ runner.temp }}/link.txt",
      'run: echo second > "$RUNNER_TEMP/target.txt"',
    ]),
  });
  const r = await startTestRunner({ workspace: ws });
  try {
    const run = await r.runToEnd("link");
    assert.equal(run.conclusion, "success", await log(r, run));
    const got = await r.json<string>("GET", `/api/runs/${run.id}/artifacts/link`);
    assert.equal(got.status, 200);
    assert.equal(got.body, "first\n");
    const dir = join(workspaceDataDir(r.home, r.workspace), "artifacts", run.id, "link");
    for (const f of readdirSync(dir)) assert.ok(!lstatSync(join(dir, f)).isSymbolicLink(), `${f} is stored as a link`);
  } finally {
    await r.close();
  }
});

test("an artifact whose files are gone is a 410 with a code and no path", async () => {
  const r = await startTestRunner();
  try {
    const run = await r.runToEnd("artifacts");
    rmSync(join(workspaceDataDir(r.home, r.workspace), "artifacts", run.id), { recursive: true });
    for (const name of ["report", "site"]) {
      const res = await r.json<ApiErrorBody>("GET", `/api/runs/${run.id}/artifacts/${name}`);
      assert.equal(res.status, 410, JSON.stringify(res.body));
      assert.equal(res.body.error.code, "ARTIFACT_GONE");
      assert.ok(!res.body.error.message.includes(r.home), res.body.error.message);
    }
    assert.equal((await r.json("GET", "/health")).status, 200);
  } finally {
    await r.close();
  }
});

test("deleting a run while its folder artifact downloads as a zip ends that download and never kills the runner", async () => {
  const ws = workspace({
    "big.yml": job([
      'run: mkdir -p "$RUNNER_TEMP/big" && for i in 1 2 3 4; do head -c 3000000 /dev/urandom > "$RUNNER_TEMP/big/f$i.bin"; done',
      "uses: actions/upload-artifact@v4\n        with:\n          name: big\n          path: ${{ runner.temp }}/big",
    ]),
  });
  const r = await startTestRunner({ workspace: ws });
  try {
    const run = await r.runToEnd("big");
    assert.equal(run.conclusion, "success");
    // The DELETE's answer is checked after the download settled: an assertion inside its callback
    // would be an unhandled rejection, not a failure of this test.
    let deleted: Promise<number> | undefined;
    let bytes = 0;
    const ended = await new Promise<string>((resolve) => {
      const req = request(`${r.url}/api/runs/${run.id}/artifacts/big`, (res) => {
        res.once("data", () => {
          // Paused at the first bytes, so the zip has not opened its later files when the run goes.
          res.pause();
          deleted = r.json("DELETE", `/api/runs/${run.id}`).then((d) => d.status);
          void deleted.then(
            () => res.resume(),
            () => res.resume(),
          );
        });
        res.on("data", (c: Buffer) => (bytes += c.length));
        res.on("end", () => resolve("end"));
        res.on("error", () => resolve("error"));
        res.on("close", () => resolve("close"));
      });
      req.on("error", () => resolve("error"));
      req.end();
    });
    assert.equal(await deleted, 200, "the run was deleted mid-download");
    assert.notEqual(ended, "end", `the download was cut, not completed (${bytes} bytes read)`);
    assert.ok(bytes < 12_000_000, `${bytes} bytes: less than the artifact's files`);
    assert.equal((await r.json("GET", "/health")).status, 200, "the runner still answers");
  } finally {
    await r.close();
  }
});

test("importing 60,000 secret lines is refused at once naming the limit, and 1,000 import in one quick transaction", async () => {
  const r = await startTestRunner();
  try {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `S_${i}=v${i}`).join("\n");
    let started = Date.now();
    const big = await r.json<ApiErrorBody>("POST", "/api/secrets/import", { content: lines(60_000) });
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    assert.equal(big.status, 400);
    assert.match(big.body.error.message, /1000/);
    started = Date.now();
    const ok = await r.json<{ imported: string[] }>("POST", "/api/secrets/import", { content: lines(1000) });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.imported.length, 1000);
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  } finally {
    await r.close();
  }
});

test("the workflow list answers with an alias bomb and other hostile files among the good ones, and /health never waits long meanwhile", async () => {
  const good = job(["run: echo ok"]);
  // Valid, but seconds of parsing: the list must parse it off the runner's thread.
  const wide = `on: push\njobs:\n${Array.from({ length: 2500 }, (_, i) => `  j${i}:\n    runs-on: x\n    steps:\n      - run: a\n`).join("")}`;
  const ws = workspace({
    "good.yml": good,
    "wide.yml": wide,
    ...Object.fromEntries(HOSTILE_WORKFLOWS.map((h) => [h.file, h.text])),
  });
  const r = await startTestRunner({ workspace: ws });
  try {
    const list = r.json<{ fileName: string; errors?: unknown[] }[]>("GET", "/api/workflows");
    let worst = 0;
    let done = false;
    void list.then(() => (done = true));
    while (!done) {
      const t = Date.now();
      assert.equal((await r.json("GET", "/health")).status, 200);
      worst = Math.max(worst, Date.now() - t);
    }
    const res = await list;
    assert.equal(res.status, 200);
    assert.equal(res.body.length, HOSTILE_WORKFLOWS.length + 2);
    for (const w of res.body)
      assert.equal(!!w.errors?.length, w.fileName !== "good.yml" && w.fileName !== "wide.yml", w.fileName);
    assert.ok(worst < 1500, `/health waited ${worst} ms`);
  } finally {
    await r.close();
  }
});

test("a runner runs at most STAX_MAX_JOBS job legs at once and queues the rest visibly", async () => {
  const jobs = Array.from(
    { length: 6 },
    (_, i) => `  j${i}:\n    runs-on: ubuntu-latest\n    steps:\n      - run: sleep 0.4\n`,
  ).join("");
  const ws = workspace({ "wide.yml": `on: push\njobs:\n${jobs}` });
  const r = await startTestRunner({ workspace: ws, env: { STAX_MAX_JOBS: "2" } });
  try {
    const created = await r.json<WorkflowRun>("POST", "/api/runs", { workflow: "wide" });
    let most = 0;
    let sawQueued = false;
    const run = await until(
      `run ${created.body.id} to complete`,
      async () => {
        const run = (await r.json<WorkflowRun>("GET", `/api/runs/${created.body.id}`)).body;
        const running = run.jobs.filter((j) => j.status === "in_progress").length;
        most = Math.max(most, running);
        if (running > 0 && run.jobs.some((j) => j.status === "queued")) sawQueued = true;
        return run.status === "completed" ? run : undefined;
      },
      120_000,
      20,
    );
    assert.equal(run.conclusion, "success");
    assert.ok(most <= 2, `${most} legs ran at once`);
    assert.ok(sawQueued, "legs waiting for a slot show as queued");
  } finally {
    await r.close();
  }
});

test("sandboxes are created without blocking the runner: /health answers while git makes a worktree", async () => {
  const repo = workspace({ "two.yml": job(["run: echo ok"]) });
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "ignore" });
  git("init", "-q");
  git("-c", "user.name=t", "-c", "user.email=t@e", "add", ".");
  git("-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "init");
  // A git that takes two seconds to add a worktree, as on a big repository.
  const bin = tempDir("stax-slow-git-");
  const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
  writeFileSync(join(bin, "git"), `#!/bin/sh\ncase "$*" in *"worktree add"*) sleep 2;; esac\nexec ${realGit} "$@"\n`);
  chmodSync(join(bin, "git"), 0o755);
  const r = await startTestRunner({ workspace: repo });
  const path = process.env.PATH;
  process.env.PATH = `${bin}:${path}`;
  try {
    const created = r.json<WorkflowRun>("POST", "/api/runs", { workflow: "two", sandbox: { strategy: "worktree" } });
    let done = false;
    void created.then(() => (done = true));
    let worst = 0;
    while (!done) {
      const t = Date.now();
      assert.equal((await r.json("GET", "/health")).status, 200);
      worst = Math.max(worst, Date.now() - t);
    }
    assert.equal((await created).status, 201);
    assert.ok(worst < 1000, `/health waited ${worst} ms for git`);
  } finally {
    process.env.PATH = path;
    await r.close();
  }
});

test("STAX_MAX_JOBS and --max-jobs are validated at start-up, naming the variable", () => {
  for (const [env, flags, name] of [
    [{ STAX_MAX_JOBS: "0" }, {}, "STAX_MAX_JOBS"],
    [{ STAX_MAX_JOBS: "lots" }, {}, "STAX_MAX_JOBS"],
    [{}, { maxJobs: "-1" }, "--max-jobs"],
  ] as const) {
    assert.throws(
      () => loadConfig(env, flags),
      (err: unknown) => err instanceof StaxError && err.code === "CONFIG_INVALID" && err.message.includes(name),
    );
  }
  assert.equal(loadConfig({ STAX_MAX_JOBS: "3" }).maxJobs, 3);
  assert.ok(loadConfig({}).maxJobs >= 4);
});

test("stopping the runner (SIGTERM) during a 1,000-job run takes well under seconds: legs still queued for a slot do not start", async () => {
  const jobs = Array.from(
    { length: 1000 },
    (_, i) => `  j${i}:\n    runs-on: ubuntu-latest\n    steps:\n      - run: sleep 30\n`,
  ).join("");
  const ws = workspace({ "huge.yml": `on: push\njobs:\n${jobs}` });
  const r = await startTestRunner({ workspace: ws, env: { STAX_MAX_JOBS: "4" } });
  let closed = false;
  try {
    const created = await r.json<WorkflowRun>("POST", "/api/runs", { workflow: "huge" });
    await until(
      "4 legs in progress",
      async () => {
        const run = (await r.json<WorkflowRun>("GET", `/api/runs/${created.body.id}`)).body;
        return run.jobs.filter((j) => j.status === "in_progress").length === 4 ? true : undefined;
      },
      60_000,
      50,
    );
    const started = Date.now();
    await r.close();
    closed = true;
    assert.ok(Date.now() - started < 3000, `stopping took ${Date.now() - started} ms`);
  } finally {
    if (!closed) await r.close();
  }
});
