import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { evaluate } from "../../src/expressions/index.js";
import { runFixture } from "../helpers/engine.js";
import { tempDir } from "../helpers/temp.js";

/** format('{0}…{0}' (ten times), <inner>) nested `depth` times around 'x': 10^depth characters. */
function bomb(depth: number): string {
  let e = "'x'";
  for (let i = 0; i < depth; i++) e = `format('${"{0}".repeat(10)}', ${e})`;
  return e;
}

const MEMORY_ERROR =
  /The maximum allowed memory size was exceeded while evaluating the following expression: .*\(stax's limit: 10 MiB per evaluation\)/;

test("eight nested format() calls (10^8 characters) stop with GitHub's memory error before they allocate, and smaller results still evaluate", () => {
  const started = performance.now();
  assert.throws(() => evaluate(bomb(8), {}), MEMORY_ERROR);
  assert.ok(performance.now() - started < 2000, "stopped before building the string");
  assert.equal((evaluate(bomb(6), {}) as string).length, 1_000_000, "a million characters is within the budget");
  assert.throws(
    () => evaluate(`join(fromJSON('[${Array(100).fill(0).join(",")}]'), ${bomb(6)})`, {}),
    MEMORY_ERROR,
    "join's separators count too",
  );
});

test("a step whose run: holds an expression bomb fails with the memory error, and the run fails", async () => {
  const ws = tempDir("stax-bomb-");
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  writeFileSync(
    join(ws, ".github", "workflows", "w.yml"),
    `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "\${{ ${bomb(8)} }}" | wc -c\n      - run: echo next\n`,
  );
  const r = await runFixture(ws, "w.yml");
  assert.equal(r.run.conclusion, "failure");
  assert.match(r.log, MEMORY_ERROR);
  assert.ok(r.log.length < 100_000, `the log stays small: ${r.log.length} characters`);
});

test("the budget is shared by one template: an env of three 2-million-character values fails (12 MB), one such value passes", async () => {
  const ws = tempDir("stax-bomb-");
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  const big = `format('{0}{0}', ${bomb(6)})`;
  writeFileSync(
    join(ws, ".github", "workflows", "w.yml"),
    `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "one is fine $(echo -n '\${{ ${big} }}' | wc -c)"\n      - env:\n          A: \${{ ${big} }}\n          B: \${{ ${big} }}\n          C: \${{ ${big} }}\n        run: echo "three are not"\n`,
  );
  const r = await runFixture(ws, "w.yml");
  assert.equal(r.run.conclusion, "failure");
  assert.match(r.log, /one is fine 2000000/);
  assert.doesNotMatch(r.log, /three are not/);
  assert.match(r.log, /The maximum allowed memory size was exceeded/);
});
