/**
 * `stax log --timestamps` (issue 25, the log viewer's timestamps, as `gh run view --log` prints
 * them): each line of the stored log starts with the time it was stored, in UTC ISO 8601.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { FixtureRepo } from "../helpers/git-repo.js";

const WORKFLOW = `name: t
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - name: print
        run: |
          echo first
          sleep 0.3
          echo second
`;

test("stax log --timestamps starts each line with the UTC time it was stored; without it the log is as before; -f refuses it", () => {
  const r = new FixtureRepo({ ".github/workflows/t.yml": WORKFLOW });
  const started = Date.now();
  assert.equal(r.stax(["run", "t"]).code, 0);
  const ended = Date.now();

  const plain = r.stax(["log", "last", "--step", "1"]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /^first\nsecond\n/m, "no times unless asked");

  const out = r.stax(["log", "last", "--step", "1", "--timestamps"]);
  assert.equal(out.code, 0, out.stderr);
  const lines = [...out.stdout.matchAll(/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (first|second)$/gm)];
  assert.deepEqual(
    lines.map((m) => m[2]),
    ["first", "second"],
    out.stdout,
  );
  const [t1, t2] = lines.map((m) => Date.parse(m[1]));
  assert.ok(t1 >= started && t2 <= ended, `${lines.map((m) => m[1])} within the run`);
  assert.ok(t2 - t1 >= 250, "each line has its own batch's time: the second was printed 0.3 s later");
  assert.match(out.stdout, /^--- Step 1: print \[success\] ---$/m, "headers stay as they are");

  assert.equal(r.stax(["log", "last", "-f", "--timestamps"]).code, 2);
});
