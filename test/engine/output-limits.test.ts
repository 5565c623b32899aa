import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runFixture } from "../helpers/engine.js";
import { tempDir } from "../helpers/temp.js";

function workspaceWith(workflow: string): string {
  const ws = tempDir("stax-outputs-");
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  writeFileSync(join(ws, ".github", "workflows", "w.yml"), workflow);
  return ws;
}

test("FILE-03: a step writing 80,000 names to GITHUB_OUTPUT leaves the next step's success() and its outputs working (no stack overflow)", async () => {
  const ws = workspaceWith(`on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - id: big
        run: for i in $(seq 0 79999); do echo "k$i=v$i"; done >> "$GITHUB_OUTPUT"
      - if: success()
        run: echo "last=\${{ steps.big.outputs.k79999 }} count=\${{ steps.big.outputs.k40000 }}"
`);
  const r = await runFixture(ws, "w.yml");
  assert.equal(r.run.conclusion, "success", r.log.slice(-2000));
  assert.match(r.log, /last=v79999 count=v40000/);
});

test("a step's outputs past 100,000 names fail the step with an error naming the limit, and the names before it are kept", async () => {
  const ws = workspaceWith(`on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - id: big
        run: for i in $(seq 1 100001); do echo "::set-output name=k$i::v"; done
      - if: always()
        run: echo "first=\${{ steps.big.outputs.k1 }} last=\${{ steps.big.outputs.k100001 }}."
`);
  const r = await runFixture(ws, "w.yml");
  assert.equal(r.run.conclusion, "failure");
  assert.match(r.log, /##\[error\]The step's outputs exceed stax's limit of 100,000 names per step/);
  assert.match(r.log, /first=v last=\./);
});

test("a GITHUB_OUTPUT file over 8 MiB is refused unread with an error naming the limit", async () => {
  const ws = workspaceWith(`on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: printf 'x=%9000000s' >> "$GITHUB_OUTPUT"
`);
  const r = await runFixture(ws, "w.yml");
  assert.equal(r.run.conclusion, "failure");
  assert.match(r.log, /GITHUB_OUTPUT holds 8\.6 MiB, more than stax reads \(8 MiB per step\)/);
});

test("JOB-09: job outputs over GitHub's 1 MB per job fail the job with an error naming the limit, and the dependant job sees none", async () => {
  const ws = workspaceWith(`on: push
jobs:
  a:
    runs-on: ubuntu-latest
    outputs:
      big: \${{ steps.s.outputs.big }}
    steps:
      - id: s
        run: echo "big=$(printf '%600000s' | tr ' ' a)" >> "$GITHUB_OUTPUT"
  b:
    needs: a
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: echo "got=\${{ needs.a.outputs.big }}."
`);
  const r = await runFixture(ws, "w.yml");
  assert.equal(r.job("a").conclusion, "failure");
  assert.match(r.jobLog("a"), /##\[error\]The job's outputs are 1\.1 MiB, over GitHub's limit of 1 MiB per job/);
  assert.match(r.jobLog("b"), /got=\./);
});

test("JOB-09: job outputs over GitHub's 50 MB per workflow run fail the job that crosses it", async () => {
  const ws = workspaceWith(`on: push
jobs:
  a:
    strategy:
      matrix:
        n: [${Array.from({ length: 52 }, (_, i) => i).join(", ")}]
    runs-on: ubuntu-latest
    outputs:
      big: \${{ steps.s.outputs.big }}
    steps:
      - id: s
        run: echo "big=$(printf '%520000s' | tr ' ' a)" >> "$GITHUB_OUTPUT"
`);
  const r = await runFixture(ws, "w.yml");
  const failed = r.run.jobs.filter((j) => j.conclusion === "failure");
  // Each leg's outputs are 2 × (3 + 520,000) bytes: 50 of them fit in 50 MiB, the last 2 do not.
  assert.equal(failed.length, 2, "every leg past 50 MiB fails");
  assert.match(r.log, /over GitHub's limit of 50 MiB per workflow run/);
});
