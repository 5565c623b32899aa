import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runFixture } from "../helpers/engine.js";
import { holdingWorkspace, LEAVE_150, marked } from "../helpers/orphans.js";
import { tempDir, until } from "../helpers/temp.js";

test(
  "every process a job's steps leave behind (150 sleeps, in other sessions too) is killed when the job ends, and the log says how many",
  { skip: !existsSync("/proc/self/environ") && "needs /proc (Linux)" },
  async () => {
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
  },
);

test(
  "JOB-15: a cancelled run (Ctrl-C of stax run) leaves none of the processes its step started behind",
  { skip: !existsSync("/proc/self/environ") && "needs /proc (Linux)" },
  async () => {
    const { ws, mark, ready } = holdingWorkspace("w.yml");
    try {
      const r = await runFixture(ws, "w.yml", {
        killGraceSeconds: [1, 1],
        onStart: (handle) =>
          void until("the step started its sleeps", () => existsSync(ready) || undefined, 120_000).then(() =>
            handle.cancel(),
          ),
      });
      assert.equal(r.run.conclusion, "cancelled");
      assert.match(r.log, /Cleaning up orphan processes: stopped \d+ \(sleep/);
      assert.deepEqual(marked(mark), [], "none is alive after the cancelled job");
    } finally {
      for (const pid of marked(mark)) process.kill(pid, "SIGKILL");
    }
  },
);
