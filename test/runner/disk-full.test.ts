/**
 * Issue 24, item 7: a full disk under the store. The test mounts a small tmpfs of its own as
 * STAX_HOME (the data folder, the store, run temp folders), so it needs root; elsewhere it is
 * skipped, saying why.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { workspaceDataDir } from "../../src/config/config.js";
import type { WorkflowRun } from "../../src/contract/index.js";
import { startTestRunner } from "../helpers/runner.js";
import { tempDir, until } from "../helpers/temp.js";

const root = process.getuid?.() === 0;

test(
  "a disk that fills up under the store fails the run with a line saying why and where, the runner keeps serving, and the next run that has room works",
  { skip: root ? false : "needs root to mount a small tmpfs as STAX_HOME" },
  async () => {
    const home = tempDir("stax-full-");
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", home]);
    try {
      const ws = join(tempDir("stax-full-ws-"), "ws");
      mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
      // 2M lines of 60 characters: far more than 8 MB of store.
      writeFileSync(
        join(ws, ".github", "workflows", "flood.yml"),
        `on: push\njobs:\n  flood:\n    runs-on: ubuntu-latest\n    steps:\n      - run: seq 1 2000000 | sed 's/$/ ${"x".repeat(50)}/'\n      - run: echo after the flood\n`,
      );
      writeFileSync(
        join(ws, ".github", "workflows", "small.yml"),
        "on: push\njobs:\n  small:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo small run output\n",
      );
      // Room the test gives back after the flood, as a user would by deleting something.
      const filler = join(home, "filler");
      const r = await startTestRunner({ workspace: ws, home });
      try {
        writeFileSync(filler, Buffer.alloc(2 * 1024 * 1024));
        const flood = await r.runToEnd("flood");
        // Before: the run stayed in_progress for good (observed ≥ 276 s), its lost lines unmentioned.
        assert.equal(flood.status, "completed");
        assert.equal(flood.conclusion, "failure", "a run whose events were not all stored is never a success");
        const [first, second] = flood.jobs[0].steps.filter((s) => s.name.startsWith("Run "));
        assert.equal(first.conclusion, "failure", JSON.stringify(flood.jobs[0].steps));
        assert.notEqual(second?.conclusion, "success", "nothing after the loss is reported a success");
        assert.equal((await r.json("GET", "/health")).status, 200, "the runner keeps serving");
        rmSync(filler);
        // With room again, the run's last events (the line, the failed step, job and run) are stored.
        const log = await until(
          "the run's last lines to be stored",
          async () => {
            const text = (await r.json<string>("GET", `/api/runs/${flood.id}/logs`)).body;
            return text.includes("failed for good") ? text : undefined;
          },
          60_000,
          250,
        );
        assert.equal((await r.store.runs.get(flood.id))?.conclusion, "failure", "the store holds the run as failed");
        assert.match(log, /storing this run's events failed for good \(.*(full|space).*; the store: .*stax\.db\)/);
        assert.ok(log.includes(join(workspaceDataDir(home, ws), "stax.db")), "the line names the store's file");
        const small: WorkflowRun = await r.runToEnd("small");
        assert.equal(small.conclusion, "success");
        assert.match((await r.json<string>("GET", `/api/runs/${small.id}/logs`)).body, /small run output/);
      } finally {
        await r.close();
      }
    } finally {
      execFileSync("umount", ["-l", home]);
    }
  },
);
