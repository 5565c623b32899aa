/**
 * The runner serves every SSE stream from one event loop: a step's file work (a sandbox copy, the
 * checkout shim's copy, git and version probes) must not block it, or every client stalls.
 */
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { WorkflowRun } from "../../src/contract/index.js";
import { openStream, startTestRunner } from "../helpers/runner.js";
import { tempDir } from "../helpers/temp.js";

const FILES = 4000;

/** A workspace outside git with many small files, whose workflow copies itself with actions/checkout `path:`. */
function bigWorkspace(): string {
  const ws = tempDir("stax-bigws-");
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  writeFileSync(
    join(ws, ".github", "workflows", "copy.yml"),
    [
      "on: push",
      "jobs:",
      "  copy:",
      "    runs-on: ubuntu-latest",
      "    steps:",
      "      - uses: actions/checkout@v4",
      "        with:",
      "          path: again",
      `      - run: test -f again/data/d${(FILES - 1) % 100}/f${FILES - 1}.txt`,
      "",
    ].join("\n"),
  );
  const chunk = "x".repeat(2048);
  for (let i = 0; i < 100; i++) mkdirSync(join(ws, "data", `d${i}`), { recursive: true });
  for (let i = 0; i < FILES; i++) writeFileSync(join(ws, "data", `d${i % 100}`, `f${i}.txt`), chunk);
  return ws;
}

test("SSE pings keep flowing while a run copies a large workspace (a copy sandbox, then the checkout shim's path: copy)", async () => {
  const ws = bigWorkspace();
  const r = await startTestRunner({ workspace: ws, env: { STAX_PING_INTERVAL_MS: "20" } });
  try {
    const s = await openStream(r.url, "/api/events");
    await s.waitFor((f) => f.event === "ping");
    // The runner runs in this process: a blocked loop delays this watch too, and the gap shows when it resumes.
    let last = Date.now();
    let worst = 0;
    let received = 0;
    const watch = setInterval(() => {
      const n = s.text().length;
      if (n === received) return;
      received = n;
      worst = Math.max(worst, Date.now() - last);
      last = Date.now();
    }, 5);
    const created = await r.json<WorkflowRun>("POST", "/api/runs", {
      workflow: "copy",
      sandbox: { strategy: "copy" },
      workspaces: { bind: true },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await s.waitFor((f) => f.event === "run.completed", 120_000);
    clearInterval(watch);
    const run = (s.frames().find((f) => f.event === "run.completed")!.data as { run: WorkflowRun }).run;
    const log = s
      .frames()
      .filter((f) => f.event === "step.log")
      .map((f) => (f.data as { line: string }).line)
      .join("");
    assert.equal(run.conclusion, "success", log);
    console.log(`longest gap between SSE bytes: ${worst} ms`);
    assert.ok(worst < 1000, `the SSE stream stalled ${worst} ms while the run copied files`);
    s.close();
  } finally {
    await r.close();
    rmSync(ws, { recursive: true, force: true });
  }
});
