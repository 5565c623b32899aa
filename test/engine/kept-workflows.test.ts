/**
 * Issue 22 (start fast): `stax run` keeps loaded workflows on disk, so an unchanged file is not
 * parsed again. What comes back must be what the parser gives: every fixture workflow (valid and
 * invalid ones, matrices, expressions, reusable calls, YAML-01…) loaded from the kept file has the
 * same tokens (classes, positions, values), model and errors as a fresh load; an edited file is
 * parsed again.
 */
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { KeyValuePair, TemplateToken } from "@actions/workflow-parser/templates/tokens/index";
import { keepLoadedWorkflows, loadWorkflow } from "../../src/workflow/index.js";
import { FIXTURES, tempDir } from "../helpers/temp.js";

/** A value as comparable data: a token's class and own fields (its schema definition aside), pairs, arrays, objects. */
function shape(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(shape);
  if (v instanceof KeyValuePair) return { pair: [shape(v.key), shape(v.value)] };
  const fields = Object.entries(v)
    .filter(([k]) => !(v instanceof TemplateToken && k === "definitionInfo"))
    .map(([k, x]) => [k, shape(x)]);
  return { class: v.constructor?.name, ...Object.fromEntries(fields) };
}

const workflows = readdirSync(FIXTURES, { recursive: true, encoding: "utf8" })
  .filter((f) => /\.ya?ml$/.test(f) && !/(^|\/)action\.ya?ml$/.test(f))
  .map((f) => join(FIXTURES, f));

test(`each of the ${workflows.length} fixture workflows loads from the kept file as the parser loaded it`, async () => {
  assert.ok(workflows.length > 50, "the fixtures are found");
  keepLoadedWorkflows(tempDir("stax-kept-"), "test");
  try {
    for (const file of workflows) {
      const fresh = await loadWorkflow(file, dirname(file));
      const kept = await loadWorkflow(file, dirname(file));
      assert.notEqual(kept, fresh);
      assert.deepEqual(shape(kept), shape(fresh), file);
    }
  } finally {
    keepLoadedWorkflows(undefined);
  }
});

test("an edited workflow is parsed again, not served from the kept file; another build's file is not used", async () => {
  const dir = tempDir("stax-kept-ws-");
  const file = join(dir, "w.yml");
  const keep = tempDir("stax-kept-");
  keepLoadedWorkflows(keep, "build-a");
  try {
    writeFileSync(file, "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo one\n");
    assert.equal((await loadWorkflow(file, dir)).definition?.jobs[0].steps[0].run?.toString(), "echo one");
    writeFileSync(file, "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo two\n");
    assert.equal((await loadWorkflow(file, dir)).definition?.jobs[0].steps[0].run?.toString(), "echo two");
    writeFileSync(file, "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - rn: echo two\n");
    const bad = await loadWorkflow(file, dir);
    assert.ok(
      bad.errors.length > 0 && bad.errors.every((e) => e.file === "w.yml" && e.line >= 1),
      JSON.stringify(bad.errors),
    );
    assert.deepEqual((await loadWorkflow(file, dir)).errors, bad.errors, "the kept errors are the parser's");
    keepLoadedWorkflows(keep, "build-b");
    writeFileSync(file, "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo three\n");
    assert.equal((await loadWorkflow(file, dir)).definition?.jobs[0].steps[0].run?.toString(), "echo three");
    assert.equal(readdirSync(keep).length, 1, "one kept file per workflow path");
  } finally {
    keepLoadedWorkflows(undefined);
  }
});
