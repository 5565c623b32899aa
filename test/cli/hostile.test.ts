import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { STAX_BIN } from "../helpers/runner.js";
import { HOSTILE_WORKFLOWS } from "../helpers/hostile-workflows.js";
import { tempDir } from "../helpers/temp.js";

/** A workspace holding `files` under .github/workflows. */
function workspace(files: Record<string, string>): string {
  const dir = tempDir("stax-hostile-");
  mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, ".github", "workflows", name), text);
  return dir;
}

function stax(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string; ms: number } {
  const started = Date.now();
  const r = spawnSync(process.execPath, [STAX_BIN, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, STAX_HOME: tempDir("stax-home-"), STAX_WORKSPACE: "", NO_COLOR: "1", FORCE_COLOR: "" },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

const GOOD = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ok\n";

test("stax run --event-file with a payload nested 5,000 levels exits 2 naming the depth limit, without a stack trace", () => {
  const ws = workspace({ "good.yml": GOOD });
  writeFileSync(join(ws, "deep.json"), `${'{"a":'.repeat(5000)}{}${"}".repeat(5000)}`);
  const r = stax(["run", "good", "--event-file", "deep.json"], ws);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /64 levels/);
  assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
});

test("stax run strips ANSI escape sequences from step names", () => {
  const ws = workspace({
    "ansi.yml":
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - name: "\\e[2J\\e[31mred\\e[0m step"\n        run: echo ok\n',
  });
  const r = stax(["run", "ansi"], ws);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout + r.stderr, /red step/);
  assert.doesNotMatch(r.stdout + r.stderr, /\x1b/, "no escape sequence reaches the terminal");
});

test("stax validate reports every hostile workflow file with positioned errors, in seconds, without a stack trace", () => {
  const ws = workspace({ "good.yml": GOOD, ...Object.fromEntries(HOSTILE_WORKFLOWS.map((h) => [h.file, h.text])) });
  const r = stax(["validate"], ws);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
  const out = r.stdout + r.stderr;
  assert.doesNotMatch(out, /^\s+at /m, "no stack trace");
  for (const h of HOSTILE_WORKFLOWS)
    assert.match(out, new RegExp(`${h.file.replace(".", "\\.")}:\\d+:\\d+: `), `${h.name} has a positioned error`);
});
