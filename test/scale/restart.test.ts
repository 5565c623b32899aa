/**
 * PostgreSQL restarted mid-run: front-ends and workers reconnect with backoff, the run finishes,
 * nothing committed is lost, no process crashes, and a live subscriber sees every line once.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { WorkflowRun } from "../../src/contract/index.js";
import { fixtureWorkspace } from "../helpers/engine.js";
import { startFleet, type Fleet } from "../helpers/fleet.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { openStream } from "../helpers/runner.js";

let pg: TestPostgres;
let fleet: Fleet;
before(async () => {
  pg = await startPostgres();
  fleet = await startFleet({ databaseUrl: pg.url, workspace: fixtureWorkspace("fleet"), frontEnds: 1 });
  await fleet.startWorker("w1");
});
after(async () => {
  await fleet?.stop();
  await pg?.stop();
});

test("PostgreSQL restarted mid-run: the run finishes, every line is stored and streamed once, no process dies", async () => {
  const [a] = fleet.frontEnds;
  const live = await openStream(a.url, "/api/events");
  const created = (await (
    await fetch(`${a.url}/api/runs`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ workflow: "ticker" }),
    })
  ).json()) as WorkflowRun;
  await live.waitFor((f) => f.event === "step.log" && (f.data as { line: string }).line === "tick 10\n");
  await pg.restart({ downMs: 1000 });
  let run: WorkflowRun | undefined;
  for (const t = Date.now(); Date.now() - t < 60_000; await new Promise((r) => setTimeout(r, 100))) {
    const res = await fetch(`${a.url}/api/runs/${created.id}`).catch(() => undefined);
    const body = res?.ok ? ((await res.json()) as WorkflowRun) : undefined;
    if (body?.status === "completed") {
      run = body;
      break;
    }
  }
  assert.ok(run, "the run finished");
  const log = await (await fetch(`${a.url}/api/runs/${created.id}/logs`)).text();
  assert.equal(run.conclusion, "success", log);
  const ticks = [...log.matchAll(/^tick (\d+)$/gm)].map((m) => Number(m[1]));
  assert.deepEqual(
    ticks,
    Array.from({ length: 60 }, (_, i) => i + 1),
    "every line stored once, in order",
  );
  await live.waitFor((f) => f.event === "run.completed");
  const streamed = live
    .events()
    .filter((e) => e.type === "step.log" && /^tick /.test((e.data as { line: string }).line))
    .map((e) => Number(/\d+/.exec((e.data as { line: string }).line)![0]));
  assert.deepEqual(streamed, ticks, "the live subscriber saw every line once, across the restart");
  assert.equal(a.child.exitCode, null, "the front-end is alive");
  assert.equal(fleet.workers.get("w1")!.child.exitCode, null, "the worker is alive");
  live.close();
});
