import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { test } from "node:test";
import { fixtureWorkspace } from "../helpers/engine.js";

const STAX = resolve(import.meta.dirname, "..", "..", "bin", "stax");

/** Starts `stax run`, sends SIGINT `times` times once "started" is printed, and collects the result; `ms` counts from the first SIGINT. */
function interrupt(workflow: string, times: number): Promise<{ code: number | null; out: string; ms: number }> {
  return new Promise((done) => {
    let t0 = Date.now();
    const child = spawn(process.execPath, [STAX, "run", workflow, "-w", fixtureWorkspace("cancel")], { env: { ...process.env, NO_COLOR: "1" } });
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
