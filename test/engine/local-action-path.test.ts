import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseUses } from "../../src/engine/actions/uses.js";
import { runFixture } from "../helpers/engine.js";
import { tempDir } from "../helpers/temp.js";

/** A workspace whose one workflow runs `steps` (YAML, indented for a job's steps list). */
function workspaceWith(steps: string): string {
  const ws = tempDir("stax-uses-");
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  writeFileSync(
    join(ws, ".github", "workflows", "w.yml"),
    `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n${steps}`,
  );
  return ws;
}

test("STEP-16: a local action path that climbs out of the checkout (./../../../../etc) is refused with a clear error", async () => {
  for (const uses of ["./../../../../etc", "./a/../../x", "./..", "owner/repo/../../x@v1", "../repo@v1"]) {
    const r = parseUses(uses);
    assert.equal(r.ok, false, uses);
  }
  for (const uses of ["./", ".", "./a/../b", "./.github/actions/x", "owner/repo/sub/dir@v1"])
    assert.equal(parseUses(uses).ok, true, uses);
  const ws = workspaceWith("      - uses: ./../../../../etc\n      - run: echo after\n");
  const r = await runFixture(ws, "w.yml");
  assert.equal(r.run.conclusion, "failure");
  assert.match(r.log, /##\[error\]'\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc' leaves the job's checkout/);
  assert.doesNotMatch(r.log, /after/);
});

test("STEP-16: a local action reached through a symbolic link leading out of the checkout is refused", async () => {
  const outside = tempDir("stax-outside-");
  writeFileSync(
    join(outside, "action.yml"),
    "name: x\nruns:\n  using: composite\n  steps:\n    - run: echo RAN-OUTSIDE\n      shell: bash\n",
  );
  const ws = workspaceWith("      - uses: ./escape\n");
  symlinkSync(outside, join(ws, "escape"));
  const r = await runFixture(ws, "w.yml");
  assert.equal(r.run.conclusion, "failure");
  assert.match(r.log, /leaves the job's checkout \(through a symbolic link\)/);
  assert.doesNotMatch(r.log, /RAN-OUTSIDE/);
});
