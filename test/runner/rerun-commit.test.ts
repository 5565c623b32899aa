/**
 * A re-run runs the commit and ref of the run it re-runs, as GitHub's re-runs keep the original
 * event's GITHUB_SHA and GITHUB_REF: not what the branch points at now, nor the branch checked
 * out now. Its reused jobs and its re-run jobs are then of one commit, and of its workflow, as a
 * run of a ref is of that ref's workflow.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { WorkflowInfo, WorkflowRun } from "../../src/contract/index.js";
import { startTestRunner, type TestRunner } from "../helpers/runner.js";
import { tempDir } from "../helpers/temp.js";

const WORKFLOW = `on: push
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - run: echo "facts sha=\${{ github.sha }} ref=\${{ github.ref }} head=$(git rev-parse HEAD) version=$(cat version.txt)"
`;

const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], {
    cwd: dir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();

/** Commits `version.txt` with `version` on the branch checked out; returns the commit. */
function commit(dir: string, version: string): string {
  writeFileSync(join(dir, "version.txt"), `${version}\n`);
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", version);
  return git(dir, "rev-parse", "HEAD");
}

/** A repository on `branch` whose workflow prints the facts (nothing committed yet). */
function repository(branch: string): string {
  const ws = tempDir("stax-rerun-commit-");
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  writeFileSync(join(ws, ".github", "workflows", "facts.yml"), WORKFLOW);
  git(ws, "init", "-q", "-b", branch);
  return ws;
}

/** Gives the workflow a second step (committed with the next `commit`). */
const addStep = (ws: string) =>
  writeFileSync(join(ws, ".github", "workflows", "facts.yml"), `${WORKFLOW}      - run: echo "a step added later"\n`);

/** What the run's step printed, and its log's first line (the sandbox's notice). */
async function facts(r: TestRunner, run: WorkflowRun): Promise<{ facts: string; notice: string }> {
  const done = await r.waitCompleted(run.id);
  assert.equal(done.conclusion, "success");
  const log = (await r.json<string>("GET", `/api/runs/${run.id}/logs`)).body;
  return {
    facts: /^facts (.*)$/m.exec(log)?.[1] ?? `no facts line in:\n${log}`,
    notice: /^stax: .*$/m.exec(log)?.[0] ?? "",
  };
}

async function rerun(r: TestRunner, run: WorkflowRun): Promise<WorkflowRun> {
  const res = await r.json<WorkflowRun>("POST", `/api/runs/${run.id}/rerun`, {});
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

test("a re-run runs the original run's commit as its ref, after a new commit and another branch checked out", async () => {
  const ws = repository("feature");
  const first = commit(ws, "one");
  const r = await startTestRunner({ workspace: ws });
  try {
    const original = (await r.json<WorkflowRun>("POST", "/api/runs", { workflow: "facts" })).body;
    const before = await facts(r, original);
    assert.equal(before.facts, `sha=${first} ref=refs/heads/feature head=${first} version=one`);

    git(ws, "checkout", "-q", "-b", "other");
    // The second commit also gives the workflow a step: the re-run runs the first commit's workflow.
    addStep(ws);
    const second = commit(ws, "two");
    const rerunId = (await rerun(r, original)).id;
    const again = await facts(r, { id: rerunId } as WorkflowRun);
    assert.equal(again.facts, before.facts, "the re-run ran the first commit, as refs/heads/feature");
    assert.deepEqual(
      (await r.waitCompleted(rerunId)).jobs[0].steps.map((s) => s.name),
      (await r.waitCompleted(original.id)).jobs[0].steps.map((s) => s.name),
      "the first commit's workflow",
    );
    assert.match(
      again.notice,
      new RegExp(`^stax: running in a git worktree of ${first.slice(0, 7)}, the commit run 1 ran`),
    );

    // A new run is of HEAD, as before.
    const fresh = (await r.json<WorkflowRun>("POST", "/api/runs", { workflow: "facts" })).body;
    assert.equal((await facts(r, fresh)).facts, `sha=${second} ref=refs/heads/other head=${second} version=two`);

    // The first commit gone from the repository: the re-run runs HEAD and says so.
    git(ws, "checkout", "-q", "--orphan", "fresh");
    const third = commit(ws, "three");
    git(ws, "branch", "-q", "-D", "feature", "other");
    git(ws, "reflog", "expire", "--expire=now", "--all");
    git(ws, "gc", "-q", "--prune=now");
    assert.throws(() => git(ws, "cat-file", "-e", `${first}^{commit}`));
    const orphaned = await facts(r, await rerun(r, original));
    assert.equal(orphaned.facts, `sha=${third} ref=refs/heads/fresh head=${third} version=three`);
    assert.equal(
      orphaned.notice,
      `stax: the commit run 1 ran (${first.slice(0, 7)}) is not in the repository; this re-run runs HEAD`,
    );
  } finally {
    await r.close();
  }
});

test("a run of a ref (a tag from the dashboard's Run workflow) runs the workflow of that commit, not the workspace's", async () => {
  const ws = repository("main");
  const tagged = commit(ws, "one");
  git(ws, "tag", "v1");
  addStep(ws);
  commit(ws, "two");
  const r = await startTestRunner({ workspace: ws });
  try {
    const run = (
      await r.json<WorkflowRun>("POST", "/api/runs", { workflow: "facts", sandbox: { strategy: "auto", ref: "v1" } })
    ).body;
    assert.equal((await facts(r, run)).facts, `sha=${tagged} ref=refs/tags/v1 head=${tagged} version=one`);
    assert.equal((await r.waitCompleted(run.id)).jobs[0].steps.length, 1, "the tag's workflow: one step");
    const head = (await r.json<WorkflowRun>("POST", "/api/runs", { workflow: "facts" })).body;
    await facts(r, head);
    assert.equal((await r.waitCompleted(head.id)).jobs[0].steps.length, 2, "HEAD's workflow: two steps");
  } finally {
    await r.close();
  }
});

test("a run of a ref takes the inputs of that commit's workflow, and so does its re-run after the input is gone from HEAD; GET /api/workflows/:name?ref= shows them", async () => {
  const ws = repository("main");
  writeFileSync(join(ws, "version.txt"), "none\n");
  git(ws, "add", "-A");
  git(ws, "commit", "-q", "-m", "before the dispatch workflow");
  git(ws, "tag", "v0");
  const dispatch = join(ws, ".github", "workflows", "greet.yml");
  writeFileSync(
    dispatch,
    `on:\n  workflow_dispatch:\n    inputs:\n      greeting:\n        required: true\njobs:\n  greet:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "greeting=\${{ inputs.greeting }}"\n`,
  );
  commit(ws, "one");
  git(ws, "tag", "v1");
  // HEAD's workflow has no such input: a request naming it is refused for HEAD, as GitHub refuses it.
  writeFileSync(
    dispatch,
    `on: workflow_dispatch\njobs:\n  greet:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo plain\n`,
  );
  commit(ws, "two");
  const r = await startTestRunner({ workspace: ws });
  try {
    const post = (body: object) => r.json<WorkflowRun & { error?: { code: string } }>("POST", "/api/runs", body);
    const refused = await post({ workflow: "greet", inputs: { greeting: "hi" } });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.error?.code, "INVALID_INPUT");

    const atTag = await post({
      workflow: "greet",
      inputs: { greeting: "hi" },
      sandbox: { strategy: "auto", ref: "v1" },
    });
    assert.equal(atTag.status, 201, JSON.stringify(atTag.body));
    const log = async (id: string) => {
      assert.equal((await r.waitCompleted(id)).conclusion, "success");
      return (await r.json<string>("GET", `/api/runs/${id}/logs`)).body;
    };
    assert.match(await log(atTag.body.id), /^greeting=hi$/m);
    // The tag's required input is required of a run of the tag.
    const missing = await post({ workflow: "greet", sandbox: { strategy: "auto", ref: "v1" } });
    assert.equal(missing.body.error?.code, "INVALID_INPUT", JSON.stringify(missing.body));

    const again = await r.json<WorkflowRun>("POST", `/api/runs/${atTag.body.id}/rerun`, {});
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.match(await log(again.body.id), /^greeting=hi$/m);

    // A commit without the workflow file: the file is not found there.
    const before = await post({ workflow: "greet", sandbox: { strategy: "auto", ref: "v0" } });
    assert.equal(before.status, 404, JSON.stringify(before.body));
    assert.equal(before.body.error?.code, "WORKFLOW_NOT_FOUND");

    // What the dashboard's form shows for a ref: that commit's inputs.
    type Shown = { info?: WorkflowInfo; error?: { code: string; message: string } };
    const shown = (q: string) => r.json<Shown>("GET", `/api/workflows/greet${q}`);
    assert.deepEqual(
      (await shown("?ref=v1")).body.info?.inputs.map((i) => i.name),
      ["greeting"],
    );
    assert.deepEqual(
      (await shown("?ref=refs%2Ftags%2Fv1")).body.info?.inputs.map((i) => i.name),
      ["greeting"],
    );
    assert.deepEqual((await shown("")).body.info?.inputs, []);
    const absent = await shown("?ref=v0");
    assert.equal(absent.status, 404);
    assert.deepEqual(absent.body.error, {
      code: "WORKFLOW_NOT_FOUND",
      message: ".github/workflows/greet.yml is not in v0",
    });
    for (const ref of ["no-such-ref", "--output=x"]) {
      const bad = await shown(`?ref=${encodeURIComponent(ref)}`);
      assert.equal(bad.status, 400, ref);
      assert.equal(bad.body.error?.code, "BAD_REQUEST", ref);
    }
  } finally {
    await r.close();
  }
});
