/**
 * Issue 23 item 7, on a real PostgreSQL and the machine's real Docker engine: a worker says at
 * start whether it has a Docker engine (the `docker` label, shown by `stax workers`); a leg with a
 * job container waits for such a worker, with the message of any other missing label, and runs
 * there, while a host leg runs on a worker without one. A worker starting removes what a worker
 * killed with -9 left in the engine.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { hostname } from "node:os";
import { after, before, test } from "node:test";
import type { WorkflowRun } from "../../src/contract/index.js";
import { fixtureWorkspace } from "../helpers/engine.js";
import { noEngine, realDocker } from "../helpers/docker-leftovers.js";
import { api, finished, startFleet, type Fleet } from "../helpers/fleet.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { STAX_BIN } from "../helpers/runner.js";

const skip = await noEngine();
let pg: TestPostgres;
let fleet: Fleet;

before(async () => {
  if (skip) return;
  pg = await startPostgres();
  fleet = await startFleet({
    databaseUrl: pg.url,
    workspace: fixtureWorkspace("docker-life"),
    frontEnds: 1,
    leaseSeconds: 5,
  });
});
after(async () => {
  await fleet?.stop();
  await pg?.stop();
});

const workers = async () =>
  (await promisify(execFile)(process.execPath, [STAX_BIN, "workers"], { env: { ...process.env, ...fleet.env } }))
    .stdout;

const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 60_000) => {
  for (const t = Date.now(); !(await ok()); await new Promise((r) => setTimeout(r, 100)))
    if (Date.now() - t > ms) throw new Error(`timed out waiting for ${what}`);
};

test(
  "a leg with a job container waits for a worker with a Docker engine (the docker label, shown by stax workers) and runs there; a host leg runs on a worker without one",
  { skip },
  async () => {
    await fleet.startWorker("plain", [], { DOCKER_HOST: "unix:///nonexistent/docker.sock" });
    assert.match(fleet.workers.get("plain")!.output(), /Docker engine: none answers at \/nonexistent\/docker\.sock/);
    assert.match(await workers(), /plain {2}\[(?![^\]]*docker)[^\]]*\]/);
    const created = await api<WorkflowRun>(fleet.frontEnds[0], "POST", "/api/runs", {
      workflow: "docker legs",
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const front = fleet.frontEnds[0];
    await until("the waiting message", () =>
      /job 'boxed' waits: no live worker has the labels .*\bdocker\b/.test(front.output()),
    );
    await until(
      "the host job",
      async () =>
        (await api<WorkflowRun>(front, "GET", `/api/runs/${created.body.id}`)).body.jobs.find((j) => j.id === "host")
          ?.status === "completed",
    );
    assert.equal(
      (await api<WorkflowRun>(front, "GET", `/api/runs/${created.body.id}`)).body.jobs.find((j) => j.id === "boxed")
        ?.status,
      "queued",
      "no worker without an engine took the container job",
    );
    await fleet.startWorker("engine");
    assert.match(fleet.workers.get("engine")!.output(), /Docker engine: answers at .* \(label docker\)/);
    assert.match(await workers(), /engine {2}\[[^\]]*\bdocker\]/);
    const run = await finished(front, created.body.id, 120_000);
    const log = (await api<string>(front, "GET", `/api/runs/${run.id}/logs`)).body;
    assert.equal(run.conclusion, "success", log);
    assert.match(log, /host job on plain/);
    assert.match(log, /container job on engine/);
  },
);

test(
  "after kill -9 of a worker mid-step in a job container, the next worker to start on the machine removes the containers and network it left",
  { skip },
  async () => {
    await fleet.startWorker("doomed");
    const doomed = fleet.workers.get("doomed")!.child;
    // The other workers stop claiming, so this leg goes to the doomed one.
    for (const name of ["plain", "engine"]) fleet.workers.get(name)?.child.kill("SIGKILL");
    const front = fleet.frontEnds[0];
    const created = await api<WorkflowRun>(front, "POST", "/api/runs", {
      workflow: "container cancel",
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await until(
      "the step in the container",
      async () => /started in/.test((await api<string>(front, "GET", `/api/runs/${created.body.id}/logs`)).body),
      120_000,
    );
    const owned = async () => {
      const f = encodeURIComponent(JSON.stringify({ label: ["stax.owner"] }));
      const all = [
        ...(
          await realDocker.call<{ Labels: Record<string, string> }[]>("GET", `/containers/json?all=true&filters=${f}`)
        ).body,
        ...(await realDocker.call<{ Labels: Record<string, string> }[]>("GET", `/networks?filters=${f}`)).body,
      ];
      return all.filter((x) => x.Labels["stax.owner"].startsWith(`${hostname()}/${doomed.pid}/`)).length;
    };
    doomed.kill("SIGKILL");
    await new Promise((r) => doomed.once("exit", r));
    assert.equal(await owned(), 3, "the job container, the service and the network are left after kill -9");
    await fleet.startWorker("next");
    assert.equal(await owned(), 0);
    // The leg is lost with its worker (within the lease): the run ends failed, and the front-end can stop.
    const run = await finished(front, created.body.id, 120_000);
    assert.equal(run.conclusion, "failure");
  },
);
