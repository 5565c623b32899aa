import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { FIXTURES, runFixture } from "../helpers/engine.js";
import { readGitInfo, repositoryFromRemote } from "../../src/engine/context/git.js";
import { tempDir } from "../helpers/temp.js";

test("TRIG-02 push: a payload synthesised from the repository, ref and sha of HEAD", async () => {
  const r = await runFixture("contexts", "contexts.yml");
  assert.equal(r.run.conclusion, "success", r.log);
  const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: r.workspace, encoding: "utf8" }).trim();
  assert.match(r.log, new RegExp(`event=push ref=refs/heads/\\S+ ref_name=\\S+ sha=${head}`));
  assert.match(r.log, new RegExp(`after=${head}`));
  assert.match(r.log, /file_event_keys \['after', 'before', 'commits'\]/);
  assert.equal(r.run.trigger.sha, head);
});

test("TRIG-07 pull_request: refs/pull/N/merge, head_ref and base_ref from the payload", async () => {
  const r = await runFixture("contexts", "contexts.yml", {
    event: "pull_request",
    eventPayload: { number: 7, pull_request: { number: 7, head: { ref: "feature" }, base: { ref: "main" } } },
  });
  assert.equal(r.run.conclusion, "success", r.log);
  assert.match(r.log, /event=pull_request ref=refs\/pull\/7\/merge ref_name=7\/merge/);
  assert.match(r.log, /head_ref=feature base_ref=main/);
  assert.equal(r.run.trigger.ref, "refs/pull/7/merge");
});

test("CTX-01 github.repository comes from the origin remote", () => {
  assert.equal(repositoryFromRemote("https://github.com/nektos/act.git"), "nektos/act");
  assert.equal(repositoryFromRemote("git@github.com:o/r.git"), "o/r");
  assert.equal(repositoryFromRemote("ssh://git@host:22/o/r"), "o/r");
});

test("outside a git repository the run still has a repository, ref and sha", async () => {
  const dir = tempDir("stax-nogit-");
  cpSync(join(FIXTURES, "contexts"), join(dir, "contexts"), { recursive: true });
  const r = await runFixture(join(dir, "contexts"), "contexts.yml");
  assert.equal(r.run.conclusion, "success", r.log);
  assert.match(r.log, /repo=local\/contexts owner=local/);
  assert.match(r.log, /ref=refs\/heads\/main ref_name=main sha=0{40}/);
});

/** A new repository on `branch` with one empty commit ("one"), and git run in it. */
function newRepo(branch: string): { repo: string; git: (...args: string[]) => string } {
  const repo = tempDir("stax-git-");
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", repo, "-c", "user.name=T", "-c", "user.email=t@x", ...args], {
      encoding: "utf8",
    }).trim();
  git("init", "-q", "-b", branch);
  git("commit", "-q", "--allow-empty", "-m", "one");
  return { repo, git };
}

test("TRIG-02 the event's sha, branch and repository follow new commits, checkouts and remotes (git facts are cached per repository state)", () => {
  const { repo, git } = newRepo("main");
  const first = readGitInfo(repo, "r");
  assert.equal(first.sha, git("rev-parse", "HEAD"));
  assert.equal(first.commitMessage, "one");
  git("commit", "-q", "--allow-empty", "-m", "two");
  assert.equal(readGitInfo(repo, "r").commitMessage, "two");
  git("checkout", "-q", "-b", "feature");
  assert.equal(readGitInfo(repo, "r").branch, "feature");
  git("remote", "add", "origin", "https://github.com/o/r.git");
  assert.equal(readGitInfo(repo, "r").repository, "o/r");
  git("checkout", "-q", "--detach");
  assert.equal(readGitInfo(repo, "r").branch, undefined);
});

test("TRIG-02 repository.default_branch is the repository's default (origin's HEAD, else main or master), not the branch checked out; a change of them is seen through the cached facts", async () => {
  const { repo, git } = newRepo("trunk");
  assert.equal(readGitInfo(repo, "r").defaultBranch, undefined, "only trunk: nothing tells (trunk is used)");
  git("branch", "master");
  assert.equal(readGitInfo(repo, "r").defaultBranch, "master");
  git("branch", "main");
  git("checkout", "-q", "-b", "feature");
  assert.equal(readGitInfo(repo, "r").defaultBranch, "main");
  // A clone's origin/HEAD names the remote's default branch.
  git("update-ref", "refs/remotes/origin/develop", "HEAD");
  git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/develop");
  assert.equal(readGitInfo(repo, "r").defaultBranch, "develop");
  // What a workflow sees: deploy only on the default branch is false on a feature branch.
  cpSync(join(FIXTURES, "contexts"), join(repo, "wf"), { recursive: true });
  git("add", "-A");
  git("commit", "-q", "-m", "workflow");
  const r = await runFixture(join(repo, "wf"), "contexts.yml");
  assert.equal(r.run.conclusion, "success", r.log);
  assert.match(r.log, /default_branch=develop /);
  assert.match(r.log, /event=push ref=refs\/heads\/feature /);
});
