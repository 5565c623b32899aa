/**
 * STEP-10: each `run:` step's script is written over the job's script file in place (not
 * truncated first: on ext4 that made the next step wait for the last one's write-back, issue 26).
 * A step after a longer one must run its own script alone, never the longer one's tail.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runFixture, stepConclusions } from "../helpers/engine.js";

test("STEP-10: a step after a longer one runs its own script alone, not the rest of the longer script left in the file", async () => {
  const ws = mkdtempSync(join(tmpdir(), "stax-step-script-"));
  try {
    mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
    const padding = "# padding\n".repeat(200);
    writeFileSync(
      join(ws, ".github", "workflows", "scripts.yml"),
      `on: push
jobs:
  scripts:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo long
${padding.replace(/^/gm, "          ").trimEnd()}
          echo tail-of-long
      - run: echo short
      - run: |
          echo long again; ${"true; ".repeat(50)}
          echo tail-again
      - shell: sh
        run: echo sh-short
      - run: ""
`,
    );
    const r = await runFixture(ws, "scripts.yml");
    assert.deepEqual(stepConclusions(r.job("scripts")), ["success", "success", "success", "success", "success"], r.log);
    const byStep = (n: number) =>
      r.events
        .filter((e) => e.type === "step.log" && e.data.stepNumber === n)
        .map((e) => (e.type === "step.log" ? e.data.line : ""))
        .join("");
    const steps = r.job("scripts").steps.map((s) => s.number);
    assert.equal(byStep(steps[1]), "short\n");
    assert.equal(byStep(steps[3]), "sh-short\n");
    assert.equal(byStep(steps[4]), "");
    assert.match(byStep(steps[2]), /long again\ntail-again\n/);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});
