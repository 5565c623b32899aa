// The boundary check of docs/architecture.md (run first by `npm test`): reads every import of
// src/ and web/src/ from the TypeScript AST and the rules from the doc's tables, and exits 1
// with `file:line: message` for each violation. `--root DIR` checks another tree laid out the
// same way (the tests' fixtures).
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readImports } from "./lint/imports.mjs";
import { readRules } from "./lint/doc-rules.mjs";
import { checkGraph } from "./lint/check.mjs";

const at = process.argv.indexOf("--root");
const root = at > 0 ? resolve(process.argv[at + 1]) : resolve(dirname(fileURLToPath(import.meta.url)), "..");

let problems;
try {
  const rules = readRules(root);
  const files = readImports(root);
  if (files.length === 0) throw new Error(`no source file under ${root}/src`);
  problems = checkGraph(root, files, rules);
} catch (e) {
  console.error(`lint: ${e.message}`);
  process.exit(1);
}
if (problems.length) {
  console.error(problems.join("\n"));
  console.error(`lint: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log("lint: ok");
