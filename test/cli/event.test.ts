import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { test } from "node:test";
import { fixtureWorkspace } from "../helpers/engine.js";
import { tempDir } from "../helpers/temp.js";

const STAX = resolve(import.meta.dirname, "..", "..", "bin", "stax");
const WS = fixtureWorkspace("platforms");
const home = tempDir("stax-event-home-");

function stax(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [STAX, ...args], {
    cwd: WS,
    encoding: "utf8",
    env: { ...process.env, STAX_HOME: home, STAX_WORKSPACE: "", RUNNER_URL: "", NO_COLOR: "1" },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("TRIG-01: --event naming an event the workflow does not trigger on warns with the workflow's triggers and runs; --strict makes it an error (exit 2)", () => {
  const r = stax(["run", "os", "-w", WS, "--event", "pull_request", "--job", "ids"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(
    r.stderr,
    /^stax: warning: \.github\/workflows\/os\.yml does not trigger on 'pull_request' \(its triggers: push\); GitHub would not run it for this event; running it anyway$/m,
  );
  const strict = stax(["run", "os", "-w", WS, "--event", "pull_request", "--strict"]);
  assert.equal(strict.code, 2);
  assert.match(strict.stderr, /does not trigger on 'pull_request' \(its triggers: push\).*\(--strict\)/);
  assert.doesNotMatch(stax(["run", "os", "-w", WS, "--job", "ids"]).stderr, /warning/);
});

test("an unknown --event name is a usage error, exit 2", () => {
  const r = stax(["run", "os", "-w", WS, "--event", "pussh"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown event 'pussh'; events: /);
});

test("JOB-12: stax run --platform gpu=host runs the gpu job here; a platform that is neither host nor an image is a usage error", () => {
  const r = stax(["run", "os", "-w", WS, "--platform", "gpu=host", "--job", "after-gpu"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\[gpu\]\s+gpu job ran/);
  const bad = stax(["run", "os", "-w", WS, "--platform", "gpu=two words"]);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /--platform gpu=two words: give host \(this machine\) or a Docker image, e.g\. gpu=host or gpu=node:20/,
  );
});
