/** docs/semantics.md is the list the rule ids in the code and the tests refer to: every id named is in it. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const ROOT = join(import.meta.dirname, "..", "..");
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) =>
    statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : /\.tsx?$/.test(n) ? [join(dir, n)] : [],
  );

test("every rule id (JOB-06, MAT-03, …) named in src/ and test/ is a rule of docs/semantics.md", () => {
  const doc = readFileSync(join(ROOT, "docs", "semantics.md"), "utf8");
  const rules = new Set([...doc.matchAll(/^- \*\*([A-Z]{2,6}-\d{2})\*\*/gm)].map((m) => m[1]));
  assert.ok(rules.size >= 100, `the checklist has its rules (${rules.size})`);
  const prefixes = new Set([...rules].map((r) => r.split("-")[0]));
  const missing = new Map<string, string>();
  for (const f of [...files(join(ROOT, "src")), ...files(join(ROOT, "test"))]) {
    for (const m of readFileSync(f, "utf8").matchAll(/\b([A-Z]{2,6})-(\d{2})\b/g)) {
      if (prefixes.has(m[1]) && !rules.has(`${m[1]}-${m[2]}`)) missing.set(`${m[1]}-${m[2]}`, f.slice(ROOT.length + 1));
    }
  }
  assert.deepEqual([...missing], [], "rule ids named in the code but not in docs/semantics.md");
});
