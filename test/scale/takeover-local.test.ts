/**
 * Issue 24, item 8: a front-end that dies while it runs a run's legs itself (a run posted with
 * a sandbox runs on its front-end) is taken over by another, on a real PostgreSQL; the new
 * coordinator never runs again a step that started.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { WorkflowRun } from "../../src/contract/index.js";
import { fixtureWorkspace } from "../helpers/engine.js";
import { api, finished, startFleet, type Fleet } from "../helpers/fleet.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { openStream, spawnRunner } from "../helpers/runner.js";
import { tempDir } from "../helpers/temp.js";

const WORKSPACE = fixtureWorkspace("fleet");
let pg: TestPostgres;
let fleet: Fleet;

before(async () => {
  pg = await startPostgres();
  fleet = await startFleet({ databaseUrl: pg.url, workspace: WORKSPACE, frontEnds: 1, leaseSeconds: 2 });
  await fleet.startWorker("w1", ["--concurrency", "2"]);
});
after(async () => {
  await fleet?.stop();
  await pg?.stop();
});

const cases = [
  // `fan` needs `first`: skipped as one job when `first` failed, else its two legs.
  { when: "while its first job runs there", killAt: /^first on /, first: "failure", fan: { fan: "skipped" } },
  { when: "after its first job, while the matrix runs there", killAt: /^leg \d got /, first: "success", fan: { "fan (1)": "failure", "fan (2)": "failure" } },
] as const;

for (const c of cases) {
  test(`a front-end killed ${c.when} is taken over without running a started step again: what was running is failed with a reason, what was over is kept`, async () => {
    const [survivor] = fleet.frontEnds;
    const coordinator = await spawnRunner(tempDir("stax-frontend-doomed-"), WORKSPACE, fleet.env);
    const live = await openStream(survivor.url, "/api/events");
    // With a sandbox the run's legs run on the front-end itself (its workflow is not in the source the workers get).
    const created = await api<WorkflowRun>(coordinator, "POST", "/api/runs", { workflow: "relay", sandbox: { strategy: "copy" } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    await live.waitFor((f) => f.event === "step.log" && c.killAt.test((f.data as { line: string }).line), 60_000);
    coordinator.child.kill("SIGKILL");
    const run = await finished(survivor, id, 90_000);
    const log = (await api<string>(survivor, "GET", `/api/runs/${id}/logs`)).body;
    // Before: the new coordinator sent every job to the workers again, started or not, and the run read "success".
    assert.equal(run.conclusion, "failure", log);
    const byId = Object.fromEntries(run.jobs.map((j) => [j.id, j.conclusion]));
    assert.equal(byId.first, c.first, log);
    for (const [job, conclusion] of Object.entries(c.fan)) assert.equal(byId[job], conclusion, `${job}:\n${log}`);
    assert.equal(byId.never, "skipped");
    assert.equal(byId.last, "success", "`if: always()` still runs, on a worker");
    assert.match(log, /ran this job itself and stopped answering while it ran; the job is marked failed, not run again/);
    await live.waitFor((f) => f.event === "run.completed" && (f.data as { runId: string }).runId === id, 30_000);
    const seen = live.events().filter((e) => e.runId === id);
    for (const job of ["first", "fan (1)", "fan (2)"]) assert.ok(seen.filter((e) => e.type === "job.started" && e.jobId === job).length <= 1, `${job} was not started again`);
    for (const once of [/^first on /gm, /^leg 1 got /gm, /^leg 2 got /gm]) assert.ok((log.match(once) ?? []).length <= 1, `no step ran twice:\n${log}`);
    live.close();
  });
}
