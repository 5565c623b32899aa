/**
 * Issue 23 item 3, against the machine's real Docker engine: cancel (JOB-15), a step's timeout
 * (STEP-08) and a hard stop reach every process a step started in its job container, always()
 * steps still run, and the job's containers and network are gone when the job ends.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { SSEEvent } from "../../src/contract/index.js";
import type { RunHandle } from "../../src/engine/index.js";
import { runFixture, stepConclusions } from "../helpers/engine.js";
import { leftovers, noEngine, realDocker } from "../helpers/docker-leftovers.js";

const skip = await noEngine();

/** Cancels the run (hard: a second Ctrl-C) once a step printed "started". */
const cancelOnStart =
  (hard = false) =>
  (handle: RunHandle, events: SSEEvent[]) => {
    const timer = setInterval(() => {
      if (events.some((e) => e.type === "step.log" && e.data.line.startsWith("started"))) {
        clearInterval(timer);
        handle.cancel();
        if (hard) setTimeout(() => handle.cancel(), 300);
      }
    }, 50);
  };

test(
  "JOB-15 cancelling a run stops a sleeping step in the job container with SIGINT, always() steps and post steps still run there, the containers and network are removed",
  { skip },
  async () => {
    let t0 = 0;
    const r = await runFixture("docker-life", "cancel.yml", {
      docker: realDocker,
      onStart: (h, events) => cancelOnStart()({ cancel: () => ((t0 = Date.now()), h.cancel()) } as RunHandle, events),
    });
    const ms = Date.now() - t0;
    assert.equal(r.run.conclusion, "cancelled", r.log);
    assert.deepEqual(
      stepConclusions(r.job("sleeper")),
      ["success", "success", "cancelled", "skipped", "success", "success", "success"],
      r.log,
    );
    assert.match(r.log, /cleanup ran in the container/);
    assert.match(r.log, /post ran in the container: true/, "the action's post step ran, in the job container");
    assert.ok(ms < 11_000, `the run ended ${ms} ms after cancel`);
    assert.deepEqual(await leftovers("test", "sleeper"), { containers: [], networks: [] });
  },
);

test(
  "JOB-15 a step in the job container that ignores SIGINT and SIGTERM (and its background child) is killed after the grace",
  { skip },
  async () => {
    const r = await runFixture("docker-life", "stubborn.yml", {
      jobs: ["stubborn"],
      docker: realDocker,
      killGraceSeconds: [0.5, 0.5],
      onStart: cancelOnStart(),
    });
    assert.equal(r.run.conclusion, "cancelled", r.log);
    assert.deepEqual(stepConclusions(r.job("stubborn")), ["success", "cancelled", "success", "success"], r.log);
    assert.match(r.log, /cleanup ran/);
    assert.deepEqual(await leftovers("test", "stubborn"), { containers: [], networks: [] });
  },
);

test(
  "a second cancel (Ctrl-C twice) kills a step in the job container at once, whatever it ignores",
  { skip },
  async () => {
    const t0 = Date.now();
    const r = await runFixture("docker-life", "stubborn.yml", {
      jobs: ["stubborn"],
      docker: realDocker,
      onStart: cancelOnStart(true),
    });
    assert.equal(r.run.conclusion, "cancelled", r.log);
    assert.ok(Date.now() - t0 < 60_000, "the stubborn step did not run to its end");
    assert.deepEqual(await leftovers("test", "stubborn"), { containers: [], networks: [] });
  },
);

test(
  "STEP-08 timeout-minutes stops a step in the job container; the step fails with GitHub's message and always() steps run",
  { skip },
  async () => {
    const r = await runFixture("docker-life", "stubborn.yml", {
      jobs: ["slow"],
      docker: realDocker,
      killGraceSeconds: [0.5, 0.5],
    });
    assert.deepEqual(stepConclusions(r.job("slow")), ["success", "failure", "success", "success"], r.log);
    assert.match(r.log, /has timed out after 0\.05 minutes/);
    assert.match(r.log, /after the timeout/);
    assert.deepEqual(await leftovers("test", "slow"), { containers: [], networks: [] });
  },
);

test(
  "JOB-15 cancelling a docker:// step reaches its command with SIGINT at once (not PID 1, which ignores it), always() steps run, its container is removed",
  { skip },
  async () => {
    let t0 = 0;
    const r = await runFixture("docker-life", "stubborn.yml", {
      jobs: ["oneshot"],
      docker: realDocker,
      onStart: (h, events) => cancelOnStart()({ cancel: () => ((t0 = Date.now()), h.cancel()) } as RunHandle, events),
    });
    const ms = Date.now() - t0;
    assert.equal(r.run.conclusion, "cancelled", r.log);
    assert.deepEqual(stepConclusions(r.job("oneshot")), ["cancelled", "success"], r.log);
    assert.ok(
      ms < 6_000,
      `the run ended ${ms} ms after cancel: SIGINT did not stop the step, the escalation did (7.5 s + 2.5 s)`,
    );
    assert.deepEqual(await leftovers("test", "oneshot"), { containers: [], networks: [] });
  },
);
