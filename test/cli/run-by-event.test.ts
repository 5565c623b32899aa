import assert from "node:assert/strict";
import { test } from "node:test";
import { echoWorkflow, FixtureRepo } from "../helpers/git-repo.js";

/** The workflows that ran, from their log lines (`[wf / echo]   RAN wf at ref`), not their step headers. */
const ran = (out: string): string[] =>
  [...out.matchAll(/\] +RAN (\S+) at (\S+)$/gm)].map((m) => `${m[1]}@${m[2]}`).sort();
const skipped = (out: string, file: string): string =>
  out.split("\n").find((l) => l.includes(`skipped .github/workflows/${file}`)) ?? "";

function repo(): FixtureRepo {
  return new FixtureRepo({
    ".github/workflows/main-only.yml": echoWorkflow("main-only", "push:\n  branches: [main]"),
    ".github/workflows/feature.yml": echoWorkflow("feature", "push:\n  branches: ['feature/**']"),
    ".github/workflows/docs.yml": echoWorkflow("docs", "push:\n  branches: [main, 'feature/**']\n  paths: ['docs/**']"),
    ".github/workflows/src-star.yml": echoWorkflow("src-star", "push:\n  paths: ['src/*.ts']"),
    ".github/workflows/src-globstar.yml": echoWorkflow("src-globstar", "push:\n  paths: ['src/**']"),
    ".github/workflows/tags.yml": echoWorkflow("tags", "push:\n  tags: ['v*']"),
    ".github/workflows/pr.yml": echoWorkflow("pr", "pull_request:"),
    "README.md": "fixture\n",
  });
}

test("TRIG-03/TRIG-05: stax run with no workflow runs every push workflow whose branch and path filters both match, one line per workflow left out", () => {
  const r = repo();
  r.git("checkout", "-q", "-b", "feature/login");
  r.commit("deep change", { "src/deep/a.ts": "x\n" });
  const out = r.stax(["run"]);
  assert.equal(out.code, 0, out.stdout + out.stderr);
  assert.deepEqual(ran(out.stdout), ["feature@refs/heads/feature/login", "src-globstar@refs/heads/feature/login"]);
  assert.match(skipped(out.stdout, "main-only.yml"), /branches: branch 'feature\/login' is not selected by \[main\]/);
  // The branch matches, the paths do not: both must match.
  assert.match(skipped(out.stdout, "docs.yml"), /paths: none of the 1 changed file\(s\) is selected by \[docs\/\*\*\]/);
  // TRIG-04: `*` stops at `/`, `**` does not.
  assert.match(skipped(out.stdout, "src-star.yml"), /paths: .*\[src\/\*\.ts\]/);
  assert.match(
    skipped(out.stdout, "tags.yml"),
    /tags: a branch push \('feature\/login'\), and the workflow filters only tags/,
  );
  assert.match(skipped(out.stdout, "pr.yml"), /not triggered by push/);
  assert.match(
    out.stdout,
    /push to branch 'feature\/login' · 1 changed file\(s\) \(HEAD~1\.\.HEAD plus uncommitted changes\)/,
  );
  assert.match(out.stdout, /2 of 2 workflows succeeded/);
});

test("TRIG-06: uncommitted and untracked files count as changed for a push; the upstream is where the diff starts", () => {
  const r = repo();
  r.git("checkout", "-q", "-b", "feature/x");
  r.commit("docs", { "docs/guide.md": "g\n" });
  r.commit("readme", { "README.md": "changed\n" });
  // Without an upstream only the last commit counts: docs/ did not change in it.
  assert.match(skipped(r.stax(["run"]).stdout, "docs.yml"), /paths:/);
  // With main as upstream, both commits count.
  r.git("branch", "-q", "--set-upstream-to", "main");
  let out = r.stax(["run"]);
  assert.ok(ran(out.stdout).includes("docs@refs/heads/feature/x"), out.stdout);
  assert.match(out.stdout, /2 changed file\(s\) \(main\.\.HEAD plus uncommitted changes\)/);
  r.git("branch", "-q", "--unset-upstream");
  r.write({ "src/new.ts": "untracked\n" });
  out = r.stax(["run"]);
  assert.ok(ran(out.stdout).includes("src-star@refs/heads/feature/x"), out.stdout);
});

test("TRIG-03: a tag push runs workflows with tag filters, never those that filter only branches; path filters do not apply", () => {
  const r = repo();
  r.git("tag", "v1.2.0");
  r.git("checkout", "-q", "v1.2.0");
  const out = r.stax(["run"]);
  assert.equal(out.code, 0, out.stdout + out.stderr);
  // src-star and src-globstar have only path filters: a tag push ignores them (TRIG-05), so they run.
  assert.deepEqual(ran(out.stdout), [
    "src-globstar@refs/tags/v1.2.0",
    "src-star@refs/tags/v1.2.0",
    "tags@refs/tags/v1.2.0",
  ]);
  assert.match(
    skipped(out.stdout, "main-only.yml"),
    /branches: a tag push \('v1\.2\.0'\), and the workflow filters only branches/,
  );
  assert.match(out.stdout, /push of tag 'v1\.2\.0'/);
});

test("TRIG-04: patterns are ordered, a later '!' excludes and a later positive pattern includes again", () => {
  const r = new FixtureRepo({
    ".github/workflows/gen.yml": echoWorkflow("gen", "push:\n  paths: ['src/**', '!src/gen/**', 'src/gen/keep.ts']"),
    ".github/workflows/rel.yml": echoWorkflow("rel", "push:\n  branches: ['release/**', '!release/old*']"),
    ".github/workflows/ignore.yml": echoWorkflow("ignore", "push:\n  paths-ignore: ['**.md', 'docs/**']"),
  });
  r.git("checkout", "-q", "-b", "release/old-1");
  r.commit("generated", { "src/gen/x.ts": "1\n", "notes.md": "n\n" });
  let out = r.stax(["run"]);
  // paths-ignore skips only when every changed file is ignored: src/gen/x.ts is not.
  assert.deepEqual(ran(out.stdout), ["ignore@refs/heads/release/old-1"]);
  assert.match(
    skipped(out.stdout, "gen.yml"),
    /paths: none of the 2 changed file\(s\) is selected by \[src\/\*\*, !src\/gen\/\*\*, src\/gen\/keep\.ts\]/,
  );
  assert.match(skipped(out.stdout, "rel.yml"), /branches: branch 'release\/old-1' is not selected/);
  r.commit("docs only", { "docs/deep/a.md": "a\n", "b.md": "b\n" });
  out = r.stax(["run"]);
  assert.match(
    skipped(out.stdout, "ignore.yml"),
    /paths-ignore: every changed file \(2\) is ignored by \[\*\*\.md, docs\/\*\*\]/,
  );
  assert.match(out.stdout, /no workflow runs on push/);
  assert.equal(out.code, 0);
  r.git("checkout", "-q", "-b", "release/2.0");
  r.commit("kept", { "src/gen/keep.ts": "1\n" });
  out = r.stax(["run"]);
  assert.deepEqual(ran(out.stdout), [
    "gen@refs/heads/release/2.0",
    "ignore@refs/heads/release/2.0",
    "rel@refs/heads/release/2.0",
  ]);
});

test("TRIG-06: only the first 300 changed files are checked against path filters, and the line says so", () => {
  const files: Record<string, string> = { ".github/workflows/md.yml": echoWorkflow("md", "push:\n  paths: ['**.md']") };
  const r = new FixtureRepo(files);
  const many: Record<string, string> = { "z-last.md": "z\n" };
  for (let i = 0; i < 300; i++) many[`f${String(i).padStart(3, "0")}.txt`] = `${i}\n`;
  r.commit("many", many);
  const out = r.stax(["run"]);
  assert.match(skipped(out.stdout, "md.yml"), /only the first 300 of 301 changed files are checked, as on GitHub/);
});

test("TRIG-07: pull_request compares with the merge base of the base branch, matches branches against the base, honours types", () => {
  const r = new FixtureRepo({
    ".github/workflows/pr-docs.yml": echoWorkflow("pr-docs", "pull_request:\n  branches: [main]\n  paths: ['docs/**']"),
    ".github/workflows/pr-closed.yml": echoWorkflow("pr-closed", "pull_request:\n  types: [closed]"),
    ".github/workflows/pr-dev.yml": echoWorkflow("pr-dev", "pull_request:\n  branches: [develop]"),
  });
  r.git("branch", "develop");
  r.git("checkout", "-q", "-b", "topic");
  r.commit("docs", { "docs/a.md": "a\n" });
  r.commit("code", { "src/a.ts": "a\n" });
  let out = r.stax(["run", "-e", "pull_request"]);
  assert.equal(out.code, 0, out.stdout + out.stderr);
  assert.deepEqual(ran(out.stdout), ["pr-docs@refs/pull/1/merge"]);
  assert.match(out.stdout, /pull_request into 'main' · 2 changed file\(s\) \(main\.\.\.HEAD\)/);
  assert.match(skipped(out.stdout, "pr-closed.yml"), /types: activity 'opened' is not one of \[closed\]/);
  assert.match(skipped(out.stdout, "pr-dev.yml"), /branches: branch 'main' is not selected by \[develop\]/);
  // act's habit: the event as the argument, where no workflow is named so.
  const actWay = r.stax(["run", "pull_request", "--json"]);
  assert.equal(actWay.code, 0, actWay.stdout + actWay.stderr);
  assert.deepEqual(
    JSON.parse(actWay.stdout).map(
      (x: { workflow: string; trigger: { event: string } }) => `${x.workflow}:${x.trigger.event}`,
    ),
    ["pr-docs:pull_request"],
  );
  assert.match(actWay.stderr, /skipped \.github\/workflows\/pr-dev\.yml/);
  out = r.stax(["run", "-e", "pull_request", "--base", "develop"]);
  assert.deepEqual(ran(out.stdout), ["pr-dev@refs/pull/1/merge"]);
  assert.equal(r.stax(["run", "-e", "pull_request", "--base", "nope"]).code, 2);
});

test("workflows an event triggers run concurrently with one summary; exit 1 when one of them fails", () => {
  const r = new FixtureRepo({
    ".github/workflows/ok.yml": echoWorkflow("ok", "push:"),
    ".github/workflows/bad.yml":
      "name: bad\non: push\njobs:\n  fail:\n    runs-on: ubuntu-latest\n    steps:\n      - run: exit 3\n",
  });
  const out = r.stax(["run"]);
  assert.equal(out.code, 1);
  assert.match(out.stdout, /\[ok \/ echo\] +RAN ok/);
  assert.match(out.stdout, /1 of 2 workflows succeeded: ✗ bad {2}✓ ok/);
  const json = JSON.parse(r.stax(["run", "--json"]).stdout);
  assert.deepEqual(
    json.map((x: { workflow: string; conclusion: string }) => `${x.workflow}:${x.conclusion}`),
    ["bad:failure", "ok:success"],
  );
  // --job picks jobs across the workflows; a job none of them has is a usage error.
  const one = r.stax(["run", "-j", "echo"]);
  assert.equal(one.code, 0, one.stdout);
  assert.match(one.stdout, /skipped \.github\/workflows\/bad\.yml: has none of the jobs echo/);
  assert.equal(r.stax(["run", "-j", "nope"]).code, 2);
  // A triggered workflow with errors is a failure of the event, named, never silently left out.
  r.write({
    ".github/workflows/broken.yml":
      "on: push\njobs:\n  a:\n    runs-on: x\n    needs: nope\n    steps:\n      - run: true\n",
  });
  const broken = r.stax(["run", "-j", "echo"]);
  assert.equal(broken.code, 1);
  assert.match(broken.stdout, /✗ invalid \.github\/workflows\/broken\.yml \(stax validate shows its errors\)/);
});

test("-W (act's) names a workflow file, or a folder of workflows the event may trigger instead of .github/workflows", () => {
  const r = repo();
  r.write({ "ci/alt.yml": echoWorkflow("alt", "push:"), "ci/alt-pr.yml": echoWorkflow("alt-pr", "pull_request:") });
  // A folder: its workflows, by event, with the usual lines for those left out.
  let out = r.stax(["run", "-W", "ci"]);
  assert.equal(out.code, 0, out.stdout + out.stderr);
  assert.deepEqual(ran(out.stdout), ["alt@refs/heads/main"]);
  assert.match(out.stdout, /skipped ci\/alt-pr\.yml: not triggered by push/);
  // act's way with both: the event as the argument and -W.
  out = r.stax(["run", "pull_request", "-W", "ci"]);
  assert.deepEqual(ran(out.stdout), ["alt-pr@refs/pull/1/merge"]);
  // A file: that workflow, as if named; a named workflow wins over -W.
  out = r.stax(["run", "-W", ".github/workflows/pr.yml"]);
  assert.equal(out.code, 0, out.stdout + out.stderr);
  assert.deepEqual(ran(out.stdout), ["pr@refs/pull/1/merge"]);
  assert.deepEqual(ran(r.stax(["run", "main-only", "-W", "ci"]).stdout), ["main-only@refs/heads/main"]);
  const none = r.stax(["run", "-W", "nowhere"]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /-W nowhere: no such workflow file or folder/);
});

test("an unknown event name is exit 2 with the valid ones listed, with or without a workflow", () => {
  const r = repo();
  for (const args of [
    ["run", "-e", "bogus_event"],
    ["run", "main-only", "-e", "bogus_event"],
  ]) {
    const out = r.stax(args);
    assert.equal(out.code, 2, out.stdout);
    assert.match(out.stderr, /unknown event 'bogus_event'; events: .*pull_request.*push/);
  }
  // A name that is neither a workflow nor an event stays an unknown workflow.
  const none = r.stax(["run", "bogus_event"]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /unknown workflow 'bogus_event'/);
});

test("types for issues and workflows/branches for workflow_run are checked against the --event-file payload", () => {
  const r = new FixtureRepo({
    ".github/workflows/opened.yml": echoWorkflow("opened", "issues:\n  types: [opened]"),
    ".github/workflows/any-issue.yml": echoWorkflow("any-issue", "issues:"),
    ".github/workflows/after-ci.yml": echoWorkflow(
      "after-ci",
      "workflow_run:\n  workflows: [CI]\n  types: [completed]\n  branches: [main]",
    ),
  });
  const payload = (name: string, body: unknown): string => {
    r.write({ [`.payloads/${name}.json`]: JSON.stringify(body) });
    return `.payloads/${name}.json`;
  };
  let out = r.stax(["run", "-e", "issues", "--event-file", payload("closed", { action: "closed" })]);
  assert.deepEqual(ran(out.stdout), ["any-issue@refs/heads/main"]);
  assert.match(skipped(out.stdout, "opened.yml"), /types: activity 'closed' is not one of \[opened\]/);
  out = r.stax(["run", "-e", "issues", "--eventpath", payload("opened", { action: "opened" })]);
  assert.deepEqual(ran(out.stdout), ["any-issue@refs/heads/main", "opened@refs/heads/main"]);
  out = r.stax([
    "run",
    "-e",
    "workflow_run",
    "--event-file",
    payload("lint", { action: "completed", workflow_run: { name: "Lint", head_branch: "main" } }),
  ]);
  assert.match(skipped(out.stdout, "after-ci.yml"), /workflows: 'Lint' is not one of \[CI\]/);
  out = r.stax([
    "run",
    "-e",
    "workflow_run",
    "--event-file",
    payload("ci-dev", { action: "completed", workflow_run: { name: "CI", head_branch: "dev" } }),
  ]);
  assert.match(skipped(out.stdout, "after-ci.yml"), /branches: branch 'dev' is not selected by \[main\]/);
  out = r.stax([
    "run",
    "-e",
    "workflow_run",
    "--event-file",
    payload("ci-main", { action: "completed", workflow_run: { name: "CI", head_branch: "main" } }),
  ]);
  assert.equal(out.code, 0, out.stdout + out.stderr);
  assert.deepEqual(
    ran(out.stdout).map((x) => x.split("@")[0]),
    ["after-ci"],
  );
});
