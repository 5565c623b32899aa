/**
 * Issue 24, item 8: a front-end that dies while it runs a run's legs itself is taken over by
 * another, on a real PostgreSQL; the new coordinator never runs again a step that started.
 * What a front-end runs itself: the jobs of a remote reusable workflow (served from the action
 * cache, so not in the source a worker checks out). Every other leg goes to the workers, a run
 * posted with a sandbox included (the last case).
 */
import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { WorkflowRun } from "../../src/contract/index.js";
import { fixtureWorkspace } from "../helpers/engine.js";
import { api, finished, startFleet, type Fleet } from "../helpers/fleet.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { openStream, spawnRunner } from "../helpers/runner.js";
import { FIXTURES, tempDir } from "../helpers/temp.js";

const WORKSPACE = fixtureWorkspace("takeover");
const REASON = /ran this job itself and stopped answering while it ran; the job is marked failed, not run again/;
let pg: TestPostgres;
let fleet: Fleet;

before(async () => {
  pg = await startPostgres();
  // The action cache the front-ends serve `acme/relay/.github/workflows/relay.yml@v1` from.
  const cache = tempDir("stax-takeover-cache-");
  cpSync(join(FIXTURES, "takeover-cache"), cache, { recursive: true });
  fleet = await startFleet({
    databaseUrl: pg.url,
    workspace: WORKSPACE,
    frontEnds: 1,
    leaseSeconds: 2,
    env: { STAX_ACTIONS_CACHE: cache },
  });
  await fleet.startWorker("w1", ["--concurrency", "2"]);
});
after(async () => {
  await fleet?.stop();
  await pg?.stop();
});

/** A front-end of the fleet that will be killed, its run posted as the dashboard posts it, and the survivor's event stream. */
async function doomedRun(body: Record<string, unknown>) {
  const [survivor] = fleet.frontEnds;
  const coordinator = await spawnRunner(tempDir("stax-frontend-doomed-"), WORKSPACE, fleet.env);
  const live = await openStream(survivor.url, "/api/events");
  const created = await api<WorkflowRun>(coordinator, "POST", "/api/runs", body);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return { survivor, coordinator, live, id: created.body.id };
}

const cases = [
  // `call / fan` needs `call / first`: skipped as one job when `first` failed, else its two legs.
  {
    when: "while the callee's first job runs there",
    killAt: [/^first on /],
    first: "failure",
    fan: { "call / fan": "skipped" },
    token: "",
  },
  {
    when: "after the callee's first job, while its matrix runs there",
    killAt: [/^leg 1 got /, /^leg 2 got /],
    first: "success",
    fan: { "call / fan (1)": "failure", "call / fan (2)": "failure" },
    token: "relay-42",
  },
] as const;

for (const c of cases) {
  test(`a front-end killed ${c.when} (a remote reusable workflow's jobs) is taken over without running a started step again: what was running is failed with a reason, what was over is kept`, async () => {
    const { survivor, coordinator, live, id } = await doomedRun({ workflow: "remote-relay" });
    for (const line of c.killAt)
      await live.waitFor((f) => f.event === "step.log" && line.test((f.data as { line: string }).line), 60_000);
    coordinator.child.kill("SIGKILL");
    const run = await finished(survivor, id, 90_000);
    const log = (await api<string>(survivor, "GET", `/api/runs/${id}/logs`)).body;
    // Before: the new coordinator ran the callee's started jobs again on itself, and the run read "success".
    assert.equal(run.conclusion, "failure", log);
    const byId = Object.fromEntries(run.jobs.map((j) => [j.id, j]));
    assert.equal(byId["call / first"]?.conclusion, c.first, log);
    if (c.token) assert.equal(byId["call / first"].outputs.token, c.token, "a job that was over keeps its outputs");
    for (const [job, conclusion] of Object.entries(c.fan))
      assert.equal(byId[job]?.conclusion, conclusion, `${job}:\n${log}`);
    assert.equal(byId["call / never"]?.conclusion, "skipped");
    assert.equal(
      byId["call / last"]?.conclusion,
      "success",
      "`if: always()` in the callee still runs, on the new coordinator",
    );
    assert.equal(byId.after?.conclusion, "success", "`if: always()` in the caller still runs, on a worker");
    assert.match(
      log,
      new RegExp(`after saw call failure and token '${c.token}'`),
      "the callee's outputs reach the caller",
    );
    assert.match(log, REASON);
    await live.waitFor((f) => f.event === "run.completed" && (f.data as { runId: string }).runId === id, 30_000);
    const seen = live.events().filter((e) => e.runId === id);
    for (const job of ["call / first", "call / fan (1)", "call / fan (2)"])
      assert.ok(
        seen.filter((e) => e.type === "job.started" && e.jobId === job).length <= 1,
        `${job} was not started again`,
      );
    for (const once of [/^first on /gm, /^leg 1 got /gm, /^leg 2 got /gm])
      assert.ok((log.match(once) ?? []).length <= 1, `no step ran twice:\n${log}`);
    live.close();
  });
}

test("a run posted with a sandbox to a front-end killed mid-job has its legs on the worker: taken over, it ends success with every step once", async () => {
  const { survivor, coordinator, live, id } = await doomedRun({ workflow: "relay", sandbox: { strategy: "copy" } });
  await live.waitFor((f) => f.event === "step.log" && /^first on /.test((f.data as { line: string }).line), 60_000);
  coordinator.child.kill("SIGKILL");
  const run = await finished(survivor, id, 90_000);
  const log = (await api<string>(survivor, "GET", `/api/runs/${id}/logs`)).body;
  assert.equal(run.conclusion, "success", log);
  assert.match(log, /^first on w1$/m, "the first job ran on the worker, not on the front-end");
  assert.doesNotMatch(log, REASON);
  await live.waitFor((f) => f.event === "run.completed" && (f.data as { runId: string }).runId === id, 30_000);
  const seen = live.events().filter((e) => e.runId === id);
  for (const job of ["first", "fan (1)", "fan (2)", "last"])
    assert.equal(seen.filter((e) => e.type === "job.started" && e.jobId === job).length, 1, `${job} started once`);
  for (const once of [/^first on /gm, /^leg 1 got /gm, /^leg 2 got /gm, /^last saw fan success and never skipped/gm])
    assert.equal((log.match(once) ?? []).length, 1, `every step once:\n${log}`);
  live.close();
});
