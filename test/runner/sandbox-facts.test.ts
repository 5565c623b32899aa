/**
 * A run from the API runs in a sandbox (a worktree of HEAD, or a copy), yet its `github` context
 * (CTX-01) names the workspace's repository, branch and commit, as a `stax run` of the same
 * workspace does: a sandbox is a folder named after the run, with a detached HEAD or no `.git`.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { startTestRunner, type TestRunner } from "../helpers/runner.js";
import { gitInit, tempDir } from "../helpers/temp.js";

const WORKFLOW = `on: [push, workflow_dispatch]
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - run: echo "facts repo=\${{ github.repository }} ref=\${{ github.ref }} sha=\${{ github.sha }}"
      - run: echo "leg head=$(git rev-parse HEAD 2>/dev/null) draft=$(cat draft.txt 2>/dev/null)"
`;

const FILES = `on: [push, workflow_dispatch]
jobs:
  list:
    runs-on: ubuntu-latest
    steps:
      - run: echo "files=$(ls | tr '\\n' ,)"
`;

/** A workspace folder named `name` with the workflow in it. */
function workspace(name: string): string {
  const dir = join(tempDir("stax-facts-"), name);
  mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
  writeFileSync(join(dir, ".github", "workflows", "facts.yml"), WORKFLOW);
  return dir;
}

const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], {
    cwd: dir,
    encoding: "utf8",
  }).trim();

/** What the run's steps printed about its `github` context (and, with `leg`, about the leg's checkout). */
async function facts(r: TestRunner, body: Record<string, unknown> = {}, leg = false): Promise<string> {
  const run = await r.runToEnd("facts", body);
  assert.equal(run.conclusion, "success");
  const log = (await r.json<string>("GET", `/api/runs/${run.id}/logs`)).body;
  const line = (name: string) => new RegExp(`^${name} (.*)$`, "m").exec(log)?.[1] ?? `no ${name} line in:\n${log}`;
  return leg ? `${line("facts")}; ${line("leg")}` : line("facts");
}

test("CTX-01: a run from the API names the workspace's repository, branch and commit, whatever its sandbox", async () => {
  const ws = workspace("shop");
  gitInit(ws);
  git(ws, "branch", "-m", "trunk");
  const head = git(ws, "rev-parse", "HEAD");
  git(ws, "checkout", "-q", "-b", "feature");
  git(ws, "commit", "-q", "--allow-empty", "-m", "on feature");
  const feature = git(ws, "rev-parse", "HEAD");
  git(ws, "tag", "v1.0");
  git(ws, "checkout", "-q", "trunk");
  // Not committed: a sandbox of HEAD leaves it out, the workspace itself has it.
  writeFileSync(join(ws, "draft.txt"), "unsaved");
  const r = await startTestRunner({ workspace: ws });
  try {
    const onTrunk = `repo=local/shop ref=refs/heads/trunk sha=${head}`;
    assert.equal(
      await facts(r, {}, true),
      `${onTrunk}; head=${head} draft=`,
      "the default sandbox, a worktree of HEAD: the leg checks HEAD out",
    );
    assert.equal(await facts(r, { sandbox: { strategy: "copy" } }), onTrunk, "a copy (no .git in it)");
    assert.equal(await facts(r, { sandbox: { strategy: "worktree", ref: "HEAD" } }), onTrunk);
    assert.equal(await facts(r, { sandbox: { strategy: "none" } }), onTrunk, "the workspace itself");
    assert.equal(
      await facts(r, { sandbox: { strategy: "worktree", ref: "feature" } }, true),
      `repo=local/shop ref=refs/heads/feature sha=${feature}; head=${feature} draft=`,
      "a worktree of another branch: that branch and its commit",
    );
    assert.equal(
      await facts(r, { sandbox: { strategy: "worktree", ref: "refs/heads/feature" } }),
      `repo=local/shop ref=refs/heads/feature sha=${feature}`,
      "the branch named in full",
    );
    assert.equal(
      await facts(r, { sandbox: { strategy: "worktree", ref: "v1.0" } }),
      `repo=local/shop ref=refs/tags/v1.0 sha=${feature}`,
      "a tag (the dashboard's Run workflow offers them): a release workflow's startsWith(github.ref, 'refs/tags/') holds",
    );
    const withDraft = await facts(r, { sandbox: { strategy: "none" } }, true);
    assert.match(withDraft, / draft=unsaved$/, "the workspace as it is: the leg has the uncommitted file");
    assert.doesNotMatch(withDraft, new RegExp(`head=${head}`), "in a commit of its own (HEAD plus the changes)");
  } finally {
    await r.close();
  }
});

test("CTX-01: outside git, a run from the API (a copy) names the workspace's folder as its repository", async () => {
  const ws = workspace("plain");
  const r = await startTestRunner({ workspace: ws });
  try {
    assert.match(await facts(r), /^repo=local\/plain ref=refs\/heads\/main sha=0{40}$/);
  } finally {
    await r.close();
  }
});

test("a workspace in a sub-folder of its repository runs in that sub-folder of its sandbox, as stax run runs it", async () => {
  const repo = tempDir("stax-mono-");
  writeFileSync(join(repo, "ROOT.txt"), "the repository's top");
  const ws = join(repo, "app");
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  writeFileSync(join(ws, "APP.txt"), "the app");
  writeFileSync(join(ws, ".github", "workflows", "files.yml"), FILES);
  gitInit(repo);
  const r = await startTestRunner({ workspace: ws });
  try {
    const run = await r.runToEnd("files");
    assert.equal(run.conclusion, "success");
    const log = (await r.json<string>("GET", `/api/runs/${run.id}/logs`)).body;
    assert.match(log, /^files=APP\.txt,$/m, "the sub-folder's files, not the repository's top");
    assert.doesNotMatch(log, /uncommitted changes/, "a clean workspace");
    // A change beside the workspace is not the workspace's; one in it is, and the log says it is left out.
    writeFileSync(join(repo, "ROOT.txt"), "changed beside the workspace");
    const beside = await r.runToEnd("files");
    assert.doesNotMatch((await r.json<string>("GET", `/api/runs/${beside.id}/logs`)).body, /uncommitted changes/);
    writeFileSync(join(ws, "APP.txt"), "changed in the workspace");
    const inside = await r.runToEnd("files");
    assert.match(
      (await r.json<string>("GET", `/api/runs/${inside.id}/logs`)).body,
      /stax: uncommitted changes of the workspace are not included/,
    );
  } finally {
    await r.close();
  }
});
