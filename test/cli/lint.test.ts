/**
 * The boundary check (`scripts/lint.mjs`) on small fixture trees laid out as the project (src/,
 * web/src/, docs/architecture.md copied from this repository, so the rules are the real doc's),
 * and on this tree. Each run is the real script in a child process, reading the real TypeScript
 * syntax trees; the line-by-line check it replaced saw none of the multi-line, `export … from`,
 * dynamic and cross-folder-cycle cases below.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { before, test } from "node:test";
import { tempDir } from "../helpers/temp.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const DOC = readFileSync(join(ROOT, "docs", "architecture.md"), "utf8");

/** A tree of `files` (path → text) with the real architecture doc unless `doc` replaces it. */
function tree(files: Record<string, string>, doc = DOC): string {
  const dir = tempDir("stax-lint-");
  for (const [path, text] of Object.entries({ "docs/architecture.md": doc, ...files })) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function lint(root?: string): { status: number | null; out: string; problems: string[] } {
  const args = [join(ROOT, "scripts", "lint.mjs"), ...(root ? ["--root", root] : [])];
  const r = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 120_000 });
  const out = r.stdout + r.stderr;
  return { status: r.status, out, problems: out.split("\n").filter((l) => /^\S+:\d+: /.test(l)) };
}

// One tree holding one breach of each rule, each on a line of its own.
const BAD = {
  "src/store/multi.ts": 'import {\n  a,\n  b,\n} from "../server/b.js";\nexport const m = a + b;\n',
  "src/server/b.ts": "export const a = 1;\nexport const b = 2;\n",
  "src/client/lazy.ts":
    'export async function later() {\n  return (await import(\n    "../store/multi.js"\n  )).m;\n}\n',
  "src/contract/re.ts": 'export type {\n  Config,\n} from "../config/c.js";\n',
  "src/config/c.ts": "export interface Config { a: string }\n",
  "src/engine/io/t.ts": 'import type {\n  RunRuntime,\n} from "../runtime.js";\nexport type T = RunRuntime;\n',
  "src/engine/runtime.ts": 'import { p } from "./io/p.js";\nexport interface RunRuntime { p: typeof p }\n',
  "src/engine/io/p.ts": "export const p = 1;\n",
  "src/engine/index.ts": "export {};\n",
  "src/worker/w.ts": 'import {\n  p,\n} from "../engine/io/p.js";\nexport const w = p;\n',
  "src/workflow/one.ts": 'import { two } from "./two.js";\nexport const one = () => two();\n',
  "src/workflow/two.ts": 'export async function two() {\n  return (await import("./one.js")).one;\n}\n',
  "src/store/env.ts": "export const home = process\n  .env.HOME;\n",
  "web/src/page.ts": 'import { m } from "../../src/store/multi.js";\nexport const page = m;\n',
};

let bad: ReturnType<typeof lint>;
before(() => {
  bad = lint(tree(BAD));
});

test("a multi-line import that breaks the folders' table is refused, at the line of its specifier", () => {
  assert.equal(bad.status, 1, bad.out);
  assert.ok(
    bad.problems.includes("src/store/multi.ts:4: src/store may not import src/server (allowed: contract)"),
    bad.out,
  );
});

test("a dynamic import() spread over lines is held to the table too", () => {
  assert.ok(
    bad.problems.includes("src/client/lazy.ts:3: src/client may not import src/store (allowed: contract)"),
    bad.out,
  );
});

test("export type … from and import type are imports for the tables (types included)", () => {
  assert.ok(
    bad.problems.includes("src/contract/re.ts:3: src/contract may not import src/config (allowed: nothing)"),
    bad.out,
  );
  assert.ok(
    bad.problems.some((p) => p.startsWith("src/engine/io/t.ts:3: src/engine/io may not import src/engine/runtime.ts")),
    bad.out,
  );
});

test("a shared module of the engine may import only types of the rooms", () => {
  assert.ok(
    bad.problems.includes(
      "src/engine/runtime.ts:1: src/engine/runtime.ts may import only types of the rooms (import type)",
    ),
    bad.out,
  );
});

test("another folder reaches the engine through src/engine/index.ts only", () => {
  assert.ok(
    bad.problems.includes(
      "src/worker/w.ts:3: src/worker imports src/engine through src/engine/index.ts only, not src/engine/io/p.ts",
    ),
    bad.out,
  );
});

test("a cycle outside engine/, closed by a dynamic import, is refused", () => {
  assert.ok(
    bad.problems.some((p) => p.includes("an import cycle among src/workflow/one.ts, src/workflow/two.ts")),
    bad.out,
  );
});

test("process.env read outside src/config and src/cli is refused, wherever the line breaks", () => {
  assert.ok(
    bad.problems.includes("src/store/env.ts:2: only src/config and src/cli read process.env; pass configuration in"),
    bad.out,
  );
});

test("web/ may import only src/contract", () => {
  assert.ok(
    bad.problems.includes("web/src/page.ts:1: web/ may import only src/contract, not src/store/multi.ts"),
    bad.out,
  );
  assert.equal(bad.problems.length, 9, bad.out); // one per breach above, nothing else
});

test("what the rules allow passes: type-only cycles, the declared cycle, process.env in comments and strings, types of rooms in a shared module", () => {
  const r = lint(
    tree({
      "src/contract/a.ts": 'import type { B } from "./b.js";\nexport interface A { b?: B }\n',
      "src/contract/b.ts": 'import type { A } from "./a.js";\nexport interface B { a?: A }\n',
      "src/engine/plan/graph.ts": 'import { legs } from "./strategy.js";\nexport const graph = (): unknown => legs;\n',
      "src/engine/plan/strategy.ts":
        'import { reusable } from "./reusable.js";\nexport const legs = (): unknown => reusable;\n',
      "src/engine/plan/reusable.ts":
        'import { graph } from "./graph.js";\nexport const reusable = (): unknown => graph;\n',
      "src/engine/runtime.ts": 'import type { P } from "./io/p.js";\nexport type R = P;\n',
      "src/engine/io/p.ts": "export type P = number;\n",
      "src/engine/index.ts": 'export {\n  graph,\n} from "./plan/graph.js";\n',
      "src/server/s.ts":
        '// process.env is not read here\nexport const s = "process.env";\nimport {\n  graph,\n} from "../engine/index.js";\nexport const g = graph;\n',
      "src/config/c.ts": "export const env = process.env;\n",
      "web/src/page.tsx":
        'import type { A } from "../../src/contract/a.js";\nexport const page = (a: A) => <b>{String(a)}</b>;\n',
    }),
  );
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /lint: ok/);
});

test("the rules are the doc's: a row changed in docs/architecture.md changes the check, a missing table fails it", () => {
  const files = {
    "src/store/a.ts": 'import { b } from "../server/b.js";\nexport const a = b;\n',
    "src/server/b.ts": "export const b = 1;\n",
  };
  assert.equal(lint(tree(files)).status, 1);
  const widened = DOC.replace(/^(\|\s*`src\/store\/`\s*\|.*\|\s*)contract(\s*)\|$/m, "$1contract, server$2|");
  assert.notEqual(widened, DOC, "the store's row of the folders' table");
  const r = lint(tree(files, widened));
  assert.equal(r.status, 0, r.out);
  const noCycles = lint(tree(files, DOC.replace(/^\| cycle.*\n(\|.*\n)+/m, "")));
  assert.equal(noCycles.status, 1);
  assert.match(noCycles.out, /docs\/architecture\.md: the table of import cycles .* not found/);
});

test("this repository's tree passes the check", () => {
  const r = lint();
  assert.equal(r.status, 0, r.out);
});

test("a row that names one file of a folder (the CLI's `server/app.ts`) allows that file alone of it", () => {
  const r = lint(
    tree({
      "src/server/app.ts": "export const start = 1;\n",
      "src/server/hub.ts": "export const hub = 1;\n",
      "src/cli/runner.ts": 'import { start } from "../server/app.js";\nexport const r = start;\n',
      "src/cli/peek.ts": 'import { hub } from "../server/hub.js";\nexport const p = hub;\n',
    }),
  );
  assert.deepEqual(
    r.problems.map((p) => p.split(": ")[0]),
    ["src/cli/peek.ts:1"],
    r.out,
  );
});
