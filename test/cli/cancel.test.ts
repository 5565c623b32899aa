import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { test } from "node:test";
import { fixtureWorkspace } from "../helpers/engine.js";
import { tempDir } from "../helpers/temp.js";

const STAX = resolve(import.meta.dirname, "..", "..", "bin", "stax");

/** Starts `stax run`, sends SIGINT `times` times once "started" is printed, and collects the result; `ms` counts from the first SIGINT. */
function interrupt(workflow: string, times: number): Promise<{ code: number | null; out: string; ms: number }> {
  return new Promise((done) => {
    let t0 = Date.now();
    const child = spawn(process.execPath, [STAX, "run", workflow, "-w", fixtureWorkspace("cancel")], {
      env: { ...process.env, NO_COLOR: "1" },
    });
    let out = "";
    let sent = 0;
    const onData = (d: Buffer) => {
      out += d.toString();
      if (sent === 0 && out.includes("started")) {
        t0 = Date.now();
        const send = () => {
          child.kill("SIGINT");
          if (++sent < times) setTimeout(send, 300);
        };
        send();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("close", (code) => done({ code, out, ms: Date.now() - t0 }));
  });
}

test("Ctrl-C cancels gracefully: the step gets SIGINT, always() steps still run, exit 1", async () => {
  const r = await interrupt("interruptible", 1);
  assert.equal(r.code, 1, r.out);
  assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
  assert.match(r.out, /cancelling the run/);
  assert.match(r.out, /cleanup ran/);
  assert.match(r.out, /Run \d+ \(\w+\) cancelled/);
});

test("a second Ctrl-C stops at once, even a step that ignores SIGINT and SIGTERM", async () => {
  const r = await interrupt("cancel", 2);
  assert.equal(r.code, 1, r.out);
  assert.ok(r.ms < 5_000, `took ${r.ms} ms`);
  assert.match(r.out, /stopping now/);
  assert.doesNotMatch(r.out, /cleanup ran/);
});

test("stax cancel N of a run that stax run executes in another terminal cancels it through the store, with no runner (was: no runner is serving)", async () => {
  const home = tempDir("stax-cancel-home-");
  const env = { ...process.env, NO_COLOR: "1", STAX_HOME: home, STAX_WORKSPACE: "", RUNNER_URL: "", STAX_PORT: "9" };
  const ws = fixtureWorkspace("cancel");
  const child = spawn(process.execPath, [STAX, "run", "interruptible", "-w", ws], { env });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((done) => child.on("close", done));
  for (const t = Date.now(); !out.includes("started"); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() - t > 60_000 || child.exitCode !== null) assert.fail(`the run did not start:\n${out}`);
  }
  const number = /run (\d+) \(\w+\) on /.exec(out)?.[1];
  assert.ok(number, out);
  const cancel = spawnSync(process.execPath, [STAX, "cancel", number, "-w", ws], {
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(cancel.status, 0, cancel.stdout + cancel.stderr);
  assert.match(cancel.stdout, new RegExp(`cancelling run ${number} `));
  assert.equal(await exited, 1, out);
  assert.match(out, /the run was cancelled from another process/);
  assert.match(out, /cleanup ran/, "always() steps still ran, as after Ctrl-C");
  assert.match(out, /Run \d+ \(\w+\) cancelled/);
  const again = spawnSync(process.execPath, [STAX, "cancel", number, "-w", ws], {
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(again.status, 1);
  assert.match(again.stderr, /has already completed/);
});
