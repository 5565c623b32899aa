/**
 * Issue 22 (start fast): `stax run` keeps the workspace's git facts (HEAD's commit, branch,
 * remote, user) in its data folder, so a run asks git nothing while HEAD, its commit and the
 * configs are as the last run saw them, and asks again as soon as one changes (TRIG-02: github.sha
 * is HEAD's commit, github.ref the branch or the tag a detached HEAD is at; CTX-01: github.actor).
 * It keeps the loaded workflows too, and an edited workflow file is what the next run runs.
 * A `git` first on the PATH logs every call and runs the machine's git.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { STAX_BIN } from "../helpers/runner.js";
import { shellEnv, tempDir } from "../helpers/temp.js";

const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
const bin = tempDir("stax-git-log-");
const calls = join(bin, "calls.log");
writeFileSync(join(bin, "git"), `#!/bin/sh\necho "$*" >> '${calls}'\nexec '${realGit}' "$@"\n`);
chmodSync(join(bin, "git"), 0o755);

const ws = tempDir("stax-git-facts-");
const home = tempDir("stax-git-facts-home-");
const git = (...args: string[]): string => execFileSync(realGit, args, { cwd: ws, encoding: "utf8" }).trim();
mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
writeFileSync(
  join(ws, ".github", "workflows", "facts.yml"),
  'on: push\njobs:\n  facts:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "facts ${{ github.sha }} ${{ github.ref }} ${{ github.actor }}"\n',
);
git("init", "-q", "-b", "main");
git("config", "user.name", "alice");
git("config", "user.email", "alice@example.invalid");
git("add", "-A");
git("commit", "-qm", "one");

/** One `stax run`: what its step printed, and the git commands it ran. */
function run(): { facts: string; gitCalls: string[] } {
  writeFileSync(calls, "");
  const r = spawnSync(process.execPath, [STAX_BIN, "run", "facts"], {
    cwd: ws,
    encoding: "utf8",
    env: { ...shellEnv(), PATH: `${bin}:${process.env.PATH}`, STAX_HOME: home, NO_COLOR: "1", RUNNER_URL: "" },
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const facts = /facts (\S+ \S+ \S+)/.exec(
    r.stdout.split("\n").find((l) => l.includes("facts ") && !l.includes("echo")) ?? "",
  );
  assert.ok(facts, r.stdout);
  return { facts: facts[1], gitCalls: readFileSync(calls, "utf8").split("\n").filter(Boolean) };
}

const asked = (calls: string[]): string[] =>
  calls.filter((c) => /^(log -1|config |symbolic-ref|check-ignore|worktree remove)/.test(c));

test("a second stax run with nothing changed asks git for no facts, and removes its worktree without git", () => {
  const first = run();
  assert.equal(first.facts, `${git("rev-parse", "HEAD")} refs/heads/main alice`);
  assert.ok(
    asked(first.gitCalls).some((c) => c.startsWith("log -1")),
    first.gitCalls.join("\n"),
  );
  const second = run();
  assert.equal(second.facts, first.facts);
  assert.deepEqual(asked(second.gitCalls), [], second.gitCalls.join("\n"));
  assert.deepEqual(
    git("worktree", "list", "--porcelain")
      .split("\n")
      .filter((l) => l.startsWith("worktree ")).length,
    1,
  );
});

test("a new commit, a new user name and a detached HEAD at a tag each reach the next run (the kept facts are dropped)", () => {
  writeFileSync(join(ws, "more.txt"), "more\n");
  git("add", "-A");
  git("commit", "-qm", "two");
  assert.equal(run().facts, `${git("rev-parse", "HEAD")} refs/heads/main alice`);
  git("config", "user.name", "bob");
  assert.equal(run().facts, `${git("rev-parse", "HEAD")} refs/heads/main bob`);
  git("tag", "v1");
  git("checkout", "-q", "--detach", "v1");
  assert.equal(run().facts, `${git("rev-parse", "HEAD")} refs/tags/v1 bob`);
});

test("the edited workflow file is what the next run runs; the data folder keeps one loaded file per workflow", () => {
  const file = join(ws, ".github", "workflows", "facts.yml");
  writeFileSync(file, readFileSync(file, "utf8").replace("${{ github.ref }}", "edited"));
  assert.equal(run().facts, `${git("rev-parse", "HEAD")} edited bob`);
  writeFileSync(file, readFileSync(file, "utf8").replace("edited", "again"));
  assert.equal(run().facts, `${git("rev-parse", "HEAD")} again bob`);
  const kept = readdirSync(home, { recursive: true, encoding: "utf8" }).filter((p) =>
    /(^|\/)workflows\/[^/]+\.json$/.test(p),
  );
  assert.equal(kept.length, 1, kept.join("\n"));
});
