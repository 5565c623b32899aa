/**
 * Issue 24, item 9 (the runner's part): a repeated query parameter, the modes of sandboxes and
 * checkouts, and the workflow list of a workspace full of bad files.
 */
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { ApiErrorBody, WorkflowInfo } from "../../src/contract/index.js";
import { HOSTILE_WORKFLOWS } from "../helpers/hostile-workflows.js";
import { startTestRunner } from "../helpers/runner.js";
import { gitInit, tempDir } from "../helpers/temp.js";

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

test("a repeated query parameter (limit=5&limit=abc) is a 400 with a code, not read as its first value", async () => {
  const r = await startTestRunner();
  try {
    for (const path of [
      "/api/runs?limit=5&limit=abc",
      "/api/runs?limit=5&limit=5",
      "/api/runs?status=success&status=failure",
      "/api/events?since=0&since=1",
      "/health?x=1&x=2",
    ]) {
      const res = await r.json<ApiErrorBody>("GET", path);
      assert.equal(res.status, 400, path);
      assert.equal(res.body.error.code, "BAD_REQUEST", path);
      assert.match(res.body.error.message, /given more than once/, path);
    }
    assert.equal(
      (await r.json("GET", "/api/runs?limit=5&status=success")).status,
      200,
      "distinct parameters still work",
    );
    assert.equal((await r.json("GET", "/api/runs?limit=abc")).status, 400, "a malformed one is still refused");
  } finally {
    await r.close();
  }
});

/** Every folder under `dir` 0700 and every file without group or other bits. */
function assertPrivate(dir: string): number {
  let files = 0;
  assert.equal(mode(dir), "700", dir);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) files += assertPrivate(p);
    else if (e.isFile()) {
      assert.equal(statSync(p).mode & 0o077, 0, `${p} is ${mode(p)}`);
      files++;
    }
  }
  return files;
}

test("sandboxes and job checkouts are 0700 with files readable by their owner alone, whatever the umask", async () => {
  const old = process.umask(0o022);
  const ws = join(tempDir("stax-private-"), "ws");
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  writeFileSync(join(ws, "notes.txt"), "private\n");
  writeFileSync(join(ws, "build.sh"), "echo hi\n", { mode: 0o755 });
  writeFileSync(
    join(ws, ".github", "workflows", "look.yml"),
    'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "WS=$GITHUB_WORKSPACE"\n',
  );
  const copyWs = join(tempDir("stax-private-"), "plain");
  mkdirSync(join(copyWs, ".github", "workflows"), { recursive: true });
  writeFileSync(join(copyWs, "notes.txt"), "private\n");
  writeFileSync(
    join(copyWs, ".github", "workflows", "look.yml"),
    'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "WS=$GITHUB_WORKSPACE"\n',
  );
  gitInit(ws);
  try {
    for (const workspace of [ws, copyWs]) {
      const r = await startTestRunner({ workspace });
      try {
        // A worktree sandbox (or a copy, outside git) with each leg's checkout kept.
        const kept = await r.runToEnd("look", { sandbox: { strategy: "auto" }, workspaces: { keep: true } });
        assert.equal(kept.conclusion, "success");
        const text = (await r.json<string>("GET", `/api/runs/${kept.id}/logs`)).body;
        const checkout = /WS=(\/\S+)/.exec(text)?.[1] ?? "";
        assert.ok(checkout, text);
        const checkouts = join(checkout, "..", "..");
        assert.equal(mode(checkouts), "700", "the checkouts folder");
        assert.ok(assertPrivate(join(checkout, "..")) >= 2, "the kept checkout holds the workspace's files");
        // The sandbox itself, seen by the job through --bind (its files are the sandbox's).
        const bound = await r.runToEnd("look", { sandbox: { strategy: "auto" }, workspaces: { bind: true } });
        const sandbox = /WS=(\/\S+)/.exec((await r.json<string>("GET", `/api/runs/${bound.id}/logs`)).body)?.[1] ?? "";
        assert.ok(sandbox.startsWith(join(r.home, "sandboxes")), sandbox);
        assert.equal(mode(join(r.home, "sandboxes")), "700", "$STAX_HOME/sandboxes");
      } finally {
        await r.close();
      }
    }
  } finally {
    process.umask(old);
  }
});

test("GET /api/workflows with 155 bad files answers in seconds, parses each file once, and sees a changed file", async () => {
  const ws = join(tempDir("stax-bad-"), "ws");
  const dir = join(ws, ".github", "workflows");
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 155; i++) {
    const h = HOSTILE_WORKFLOWS[i % HOSTILE_WORKFLOWS.length];
    writeFileSync(join(dir, `${String(i).padStart(3, "0")}-${h.file}`), h.text);
  }
  const r = await startTestRunner({ workspace: ws });
  try {
    const list = async () => {
      const started = performance.now();
      const res = await r.json<WorkflowInfo[]>("GET", "/api/workflows");
      assert.equal(res.status, 200);
      assert.equal(res.body.length, 155);
      return { ms: performance.now() - started, body: res.body };
    };
    // Before: 8–12 s for every listing on a quiet machine (the loader thread's 4 MB stack let the
    // parser walk 3,000 levels of nesting for a second per file), 30–60 s on this loaded one.
    const cold = await list();
    assert.ok(cold.ms < 20_000, `the first listing took ${Math.round(cold.ms)} ms`);
    assert.ok(
      cold.body.every((w) => w.errors?.length),
      "every file is listed with its errors",
    );
    const warm = await list();
    assert.ok(
      warm.ms < 1500,
      `a listing of unchanged files took ${Math.round(warm.ms)} ms (the first: ${Math.round(cold.ms)} ms)`,
    );
    // A file that changes is read again.
    const changed = join(dir, "005-timeout-zero.yml");
    writeFileSync(
      changed,
      "name: fixed\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n",
    );
    const after = await list();
    const fixed = after.body.find((w) => w.fileName === "005-timeout-zero.yml");
    assert.equal(fixed?.name, "fixed");
    assert.equal(fixed?.errors, undefined);
    console.log(`155 bad files: first listing ${Math.round(cold.ms)} ms, then ${Math.round(warm.ms)} ms`);
  } finally {
    await r.close();
  }
});
