import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fixtureWorkspace } from "../helpers/engine.js";
import { tempDir } from "../helpers/temp.js";

const STAX = resolve(import.meta.dirname, "..", "..", "bin", "stax");
const WS = fixtureWorkspace("epipe");

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test("stax run | head: the closed output cancels the run like Ctrl-C — steps stopped, always() steps run, the run recorded as cancelled, no temp folders left", () => {
  const home = tempDir("stax-epipe-home-");
  const tmp = tempDir("stax-epipe-tmp-");
  const pidFile = join(tmp, "step.pid");
  const env = { ...process.env, STAX_HOME: home, TMPDIR: tmp, STAX_WORKSPACE: "", RUNNER_URL: "", NO_COLOR: "1" };
  const t0 = Date.now();
  const r = spawnSync(
    "bash",
    [
      "-c",
      `"${process.execPath}" "${STAX}" run chatty -w "${WS}" --env PID_FILE="${pidFile}" | sed '/line 3$/q'; echo "exit=\${PIPESTATUS[0]}"`,
    ],
    { env, encoding: "utf8", timeout: 60_000 },
  );
  const took = Date.now() - t0;
  // sed quits once the step has printed "line 3": the step is running when the pipe closes.
  assert.match(r.stdout, /^stax: each job runs in its own[^]*line 3\n/, r.stderr);
  assert.match(r.stdout, /exit=1\n$/, `stax exits 1 (cancelled), not with a crash: ${r.stdout}${r.stderr}`);
  assert.doesNotMatch(r.stderr, /EPIPE|Unhandled|Error:/);
  assert.match(r.stderr, /the output was closed; cancelling the run/);
  assert.ok(took < 20_000, `cancelled promptly, not after the 30 s step (${took} ms)`);
  const pid = Number(readFileSync(pidFile, "utf8"));
  assert.equal(alive(pid), false, "the step's process is gone");
  assert.ok(existsSync(`${pidFile}.always`), "the always() step ran");
  assert.deepEqual(
    readdirSync(tmp).filter((f) => f.startsWith("stax-run-")),
    [],
    "no stax-run-* temp folder left",
  );
  const runs = spawnSync(process.execPath, [STAX, "runs", "-w", WS, "--json"], { env, encoding: "utf8" });
  const [last] = JSON.parse(runs.stdout) as { status: string; conclusion: string }[];
  assert.deepEqual([last.status, last.conclusion], ["completed", "cancelled"]);
});
