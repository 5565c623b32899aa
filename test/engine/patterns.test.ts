import assert from "node:assert/strict";
import { test } from "node:test";
import { selects, triggerDecision } from "../../src/workflow/index.js";

test("TRIG-04: * stops at /, ** crosses it, **/ may match no folder, ? and + quantify the previous character, [..] is a class, \\ escapes", () => {
  const cases: [string, string, boolean][] = [
    ["feature/*", "feature/a", true],
    ["feature/*", "feature/a/b", false],
    ["feature/**", "feature/a/b", true],
    ["**.js", "src/deep/app.js", true],
    ["*.js", "src/app.js", false],
    ["docs/**/*.md", "docs/a.md", true],
    ["docs/**/*.md", "docs/x/y/a.md", true],
    ["v1.?", "v1.", true],
    ["v1.?", "v1", true],
    ["v1.?", "v1x", false],
    ["v1.+", "v1...", true],
    ["v[12].0", "v2.0", true],
    ["v[12].0", "v3.0", false],
    ["v[0-9]+", "v42", true],
    ["a\\*b", "a*b", true],
    ["a\\*b", "axb", false],
    ["release.1", "releasex1", false],
  ];
  for (const [pattern, value, expected] of cases)
    assert.equal(selects([pattern], value), expected, `${pattern} vs ${value}`);
});

test("TRIG-04: the last matching pattern decides; a leading ! excludes", () => {
  const list = ["src/**", "!src/gen/**", "src/gen/keep.ts"];
  assert.equal(selects(list, "src/a.ts"), true);
  assert.equal(selects(list, "src/gen/x.ts"), false);
  assert.equal(selects(list, "src/gen/keep.ts"), true);
  assert.equal(selects(["!main"], "main"), false);
});

test("TRIG-03/TRIG-05: branches and paths must both pass; with no changed files a path filter does not run; unknown changes pass", () => {
  const on = { push: { branches: ["main"], paths: ["src/**"] } };
  const ref = { type: "branch" as const, name: "main" };
  assert.deepEqual(triggerDecision(on, { event: "push", ref, changedFiles: ["src/a"] }), { runs: true });
  assert.equal(
    triggerDecision(on, { event: "push", ref: { type: "branch", name: "dev" }, changedFiles: ["src/a"] }).runs,
    false,
  );
  assert.deepEqual(triggerDecision(on, { event: "push", ref, changedFiles: [] }), {
    runs: false,
    reason: "paths: no changed files",
  });
  assert.deepEqual(triggerDecision(on, { event: "push", ref }), { runs: true });
  assert.equal(triggerDecision({ issues: { types: ["opened"] } }, { event: "issues", action: "closed" }).runs, false);
  assert.equal(triggerDecision({ issues: {} }, { event: "issues", action: "closed" }).runs, true);
});

test("workflow_run: workflows names the triggering workflow, branches its head branch", () => {
  const on = { workflow_run: { workflows: ["CI"], types: ["completed"], branches: ["main"] } };
  assert.deepEqual(
    triggerDecision(on, {
      event: "workflow_run",
      workflow: "CI",
      action: "completed",
      ref: { type: "branch", name: "main" },
    }),
    { runs: true },
  );
  assert.deepEqual(triggerDecision(on, { event: "workflow_run", workflow: "Lint", action: "completed" }), {
    runs: false,
    reason: "workflows: 'Lint' is not one of [CI]",
  });
  assert.equal(triggerDecision(on, { event: "workflow_run", workflow: "CI", action: "requested" }).runs, false);
  assert.equal(
    triggerDecision(on, {
      event: "workflow_run",
      workflow: "CI",
      action: "completed",
      ref: { type: "branch", name: "dev" },
    }).runs,
    false,
  );
});
