import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runFixture } from "../helpers/engine.js";
import { tempDir } from "../helpers/temp.js";

/** Live (not zombie) processes whose environment holds `mark`: a killed, unreaped process reads an empty environment. */
export function marked(mark: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/environ`, "latin1").includes(`ORPHAN_MARK=${mark}\0`)) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

/** A step that leaves 150 sleeps behind: 50 plain, 50 in a new session (setsid), 50 double-forked into a new session. */
export const LEAVE_150 = `for i in $(seq 50); do sleep 120 & done
          for i in $(seq 50); do setsid sleep 120 & done
          for i in $(seq 50); do ( ( setsid sleep 120 & ) & ) ; done
          sleep 0.5`;

test("JOB-15: every process a job's steps leave behind (150 sleeps, in other sessions too) is killed when the job ends, and the log says how many", { skip: !existsSync("/proc/self/environ") && "needs /proc (Linux)" }, async () => {
  const mark = randomUUID();
  const ws = tempDir("stax-orphans-");
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  writeFileSync(
    join(ws, ".github", "workflows", "w.yml"),
    `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    env:\n      ORPHAN_MARK: ${mark}\n    steps:\n      - run: |\n          ${LEAVE_150}\n      - run: |\n          echo "still there: $(grep -las "ORPHAN_MARK=${mark}" /proc/[0-9]*/environ | wc -l)"\n`,
  );
  try {
    const r = await runFixture(ws, "w.yml");
    assert.equal(r.run.conclusion, "success", r.log);
    assert.match(r.log, /still there: 15\d/, "the sleeps outlive their step, as on GitHub, until the job ends");
    const line = /Cleaning up orphan processes: stopped (\d+) \(sleep: (\d+)/.exec(r.log);
    assert.ok(line, r.log);
    assert.ok(Number(line[2]) >= 150, line[0]);
    assert.deepEqual(marked(mark), [], "none is alive after the job");
  } finally {
    for (const pid of marked(mark)) process.kill(pid, "SIGKILL");
  }
});
