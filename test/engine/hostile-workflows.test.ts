import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { listWorkflows, loadWorkflow } from "../../src/workflow/index.js";
import { FIXTURES } from "../helpers/engine.js";
import { HOSTILE_WORKFLOWS } from "../helpers/hostile-workflows.js";
import { tempDir } from "../helpers/temp.js";

function workspace(files: Record<string, string>): string {
  const dir = tempDir("stax-loader-");
  mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, ".github", "workflows", name), text);
  return dir;
}

const GOOD = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ok\n";

test("every hostile workflow file loads in at most seconds as that file's positioned errors, and the list keeps the good file", async () => {
  const ws = workspace({ "good.yml": GOOD, ...Object.fromEntries(HOSTILE_WORKFLOWS.map((h) => [h.file, h.text])) });
  for (const h of HOSTILE_WORKFLOWS) {
    const started = Date.now();
    const w = await loadWorkflow(join(ws, ".github", "workflows", h.file), ws);
    const ms = Date.now() - started;
    assert.ok(ms < 3000, `${h.name}: ${ms} ms`);
    assert.ok(w.errors.length > 0, `${h.name} is invalid`);
    assert.equal(w.definition, undefined);
    for (const e of w.errors)
      assert.ok(
        e.file.endsWith(h.file) && e.line >= 1 && e.column >= 1 && e.message,
        `${h.name}: ${JSON.stringify(e)}`,
      );
  }
  const list = await listWorkflows(ws);
  assert.equal(list.length, HOSTILE_WORKFLOWS.length + 1);
  assert.deepEqual(list.find((w) => w.fileName === "good.yml")?.errors, []);
});

/** A small seeded PRNG (mulberry32), so a failing case can be reproduced from its seed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  ":",
  "- ",
  "[",
  "]",
  "{",
  "}",
  "&a ",
  "*a",
  "<<: *a\n",
  "? ",
  "${{ ",
  " }}",
  "\t",
  "\n",
  "  ",
  "'",
  '"',
  "|",
  ">",
  "#",
  "!!binary ",
  "needs: ",
  "jobs:",
  "\u0000",
  "\u202e",
  "ﬀ",
  "1e309",
  "-1",
  "null",
  "~",
];

test("generated mutations of real workflows never make the loader throw, stall or give an unpositioned error", async () => {
  const sources = ["steps", "jobs", "matrix", "contexts"].flatMap((f) => {
    const dir = join(FIXTURES, f, ".github", "workflows");
    return readdirSync(dir)
      .filter((n) => n.endsWith(".yml"))
      .map((n) => readFileSync(join(dir, n), "utf8"));
  });
  const ws = workspace({});
  const file = join(ws, ".github", "workflows", "fuzz.yml");
  for (let seed = 1; seed <= 300; seed++) {
    const rnd = prng(seed);
    let text = sources[Math.floor(rnd() * sources.length)];
    for (let k = 1 + Math.floor(rnd() * 6); k > 0; k--) {
      const at = Math.floor(rnd() * text.length);
      const op = rnd();
      if (op < 0.4) text = text.slice(0, at) + PIECES[Math.floor(rnd() * PIECES.length)] + text.slice(at);
      else if (op < 0.7) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(rnd() * 20));
      else text = text.slice(0, at) + text.slice(Math.max(0, at - 40), at) + text.slice(at);
    }
    writeFileSync(file, text);
    const started = Date.now();
    let w;
    try {
      w = await loadWorkflow(file, ws);
    } catch (err) {
      assert.fail(`seed ${seed}: the loader threw ${String(err)}\n${text}`);
    }
    assert.ok(Date.now() - started < 3000, `seed ${seed} took ${Date.now() - started} ms`);
    for (const e of w.errors)
      assert.ok(
        e.line >= 1 && e.column >= 1 && typeof e.message === "string" && e.message,
        `seed ${seed}: ${JSON.stringify(e)}`,
      );
    if (!w.errors.length) assert.ok(w.definition, `seed ${seed}: valid means a definition`);
  }
});
