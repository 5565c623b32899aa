import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { FIXTURES, fixtureWorkspace } from "../helpers/engine.js";
import { tempDir } from "../helpers/temp.js";

const STAX = resolve(import.meta.dirname, "..", "..", "bin", "stax");

function stax(args: string[], cwd = FIXTURES): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [STAX, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, STAX_WORKSPACE: "", NO_COLOR: "1", FORCE_COLOR: "" },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("stax run exits 0 on success and --json prints the WorkflowRun on stdout only", () => {
  const r = stax(["run", "good", "--workspace", fixtureWorkspace("bad"), "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const run = JSON.parse(r.stdout);
  assert.equal(run.conclusion, "success");
  assert.equal(run.workflow, "good");
  assert.deepEqual(
    run.jobs.map((j: { id: string; conclusion: string }) => [j.id, j.conclusion]),
    [["ok", "success"]],
  );
  assert.match(r.stderr, /Summary/);
});

test("stax run exits 1 when the run fails and prints each job's conclusion in the summary", () => {
  const r = stax(["run", "steps", "--workspace", fixtureWorkspace("steps"), "--job", "conditions"]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /\[conditions\] .*cleanup after failure/);
  assert.match(r.stdout, /✗ conditions\s+failure/);
});

test("an unknown workflow name exits 2 and lists the workflows", () => {
  const r = stax(["run", "nope", "--workspace", fixtureWorkspace("bad")]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown workflow 'nope'.*good\.yml/);
});

test("an invalid workflow exits 2 with every error as file:line:col", () => {
  const r = stax(["run", "schema", "--workspace", fixtureWorkspace("bad")]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /\.github\/workflows\/schema\.yml:6:\d+: Unrecognized named-value: 'nope'/);
  assert.match(r.stderr, /schema\.yml:7:9: Unexpected value 'bogus'/);
  assert.match(r.stderr, /schema\.yml:10:\d+: /);
});

test("stax validate reports invalid YAML, schema errors, unknown needs and cycles with positions, exit 1", () => {
  const r = stax(["validate", "--workspace", fixtureWorkspace("bad")]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /needs\.yml:\d+:\d+: job 'deploy' needs unknown job 'biuld'/);
  assert.match(
    r.stdout,
    /needs\.yml:\d+:\d+: jobs form a cycle: x → y → x|needs\.yml:\d+:\d+: jobs form a cycle: y → x → y/,
  );
  assert.match(r.stdout, /yaml\.yml:\d+:\d+: /);
  assert.match(r.stderr, /1 valid, 3 invalid/);
  assert.equal(
    stax([
      "validate",
      join(fixtureWorkspace("bad"), ".github/workflows/good.yml"),
      "--workspace",
      fixtureWorkspace("bad"),
    ]).code,
    0,
  );
});

test("inputs are checked: missing required, wrong type, wrong choice exit 2", () => {
  const ws = tempDir("stax-cli-");
  mkdirSync(join(ws, ".github/workflows"), { recursive: true });
  writeFileSync(
    join(ws, ".github/workflows/d.yml"),
    "on:\n  workflow_dispatch:\n    inputs:\n      env:\n        type: choice\n        options: [dev, prod]\n        required: true\n      n:\n        type: number\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ inputs.env }}\n",
  );
  assert.match(stax(["run", "d", "-w", ws]).stderr, /input 'env' is required/);
  assert.match(stax(["run", "d", "-w", ws, "-i", "env=qa"]).stderr, /must be one of 'dev', 'prod'/);
  const wrong = stax(["run", "d", "-w", ws, "-i", "env=dev", "-i", "n=abc"]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /input 'n' must be a number/);
  const ok = stax(["run", "d", "-w", ws, "-i", "env=prod"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /\[a\]\s+prod/);
});

test("a malformed secret file and a bad --input exit 2 with the file and line", () => {
  const ws = fixtureWorkspace("bad");
  const file = join(tempDir("stax-cli-"), ".secrets");
  writeFileSync(file, "GOOD=1\n9BAD=2\n");
  const r = stax(["run", "good", "-w", ws, "--secret-file", file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /\.secrets:2:/);
  assert.equal(stax(["run", "good", "-w", ws, "--input", "novalue"]).code, 2);
});
