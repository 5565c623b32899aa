/**
 * Many machines (scale-out.md): two front-ends and workers as separate processes over a real
 * PostgreSQL. Legs spread over workers that cannot see the front-ends' files; needs outputs,
 * artifacts and secrets cross machines; every front-end streams every event; cancel from either
 * front-end stops a leg; a worker killed mid-leg fails its leg within the lease.
 */
import assert from "node:assert/strict";
import { basename } from "node:path";
import { after, before, test } from "node:test";
import { readdirSync } from "node:fs";
import type { StoredEvent, WorkflowRun } from "../../src/contract/index.js";
import { fixtureWorkspace } from "../helpers/engine.js";
import { api, finished, startFleet, type Fleet } from "../helpers/fleet.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { launchBrowser } from "../helpers/browser.js";
import { openStream, spawnRunner } from "../helpers/runner.js";
import { tempDir } from "../helpers/temp.js";

const WORKSPACE = fixtureWorkspace("fleet");
let pg: TestPostgres;
let fleet: Fleet;

before(async () => {
  pg = await startPostgres();
  fleet = await startFleet({ databaseUrl: pg.url, workspace: WORKSPACE, frontEnds: 2, leaseSeconds: 2 });
  await fleet.startWorker("w1", ["--concurrency", "2"]);
  await fleet.startWorker("w2", ["--concurrency", "2"]);
});
after(async () => {
  await fleet?.stop();
  await pg?.stop();
});

test("a run posted as the dashboard and curl post it, without a sandbox, spreads its matrix over two workers (runner.name a worker's) that cannot see the front-end's files; outputs, artifacts and secrets cross machines; the other front-end streams every event in order and resumes by id", async () => {
  const [a, b] = fleet.frontEnds;
  assert.equal((await api(a, "PUT", "/api/secrets/FLEET_SECRET", { value: "fleet-value" })).status, 200);
  const live = await openStream(b.url, "/api/events");
  const created = await api<WorkflowRun>(a, "POST", "/api/runs", { workflow: "spread" });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const run = await finished(a, created.body.id);
  const log = (await api<string>(a, "GET", `/api/runs/${run.id}/logs`)).body;
  assert.equal(run.conclusion, "success", log);
  assert.deepEqual(
    run.jobs.map((j) => [j.id, j.conclusion]),
    [
      ["build (1)", "success"],
      ["build (2)", "success"],
      ["build (3)", "success"],
      ["build (4)", "success"],
      ["collect", "success"],
    ],
  );
  const on = new Set([...log.matchAll(/leg \d on (w\d)/g)].map((m) => m[1]));
  assert.deepEqual([...on].sort(), ["w1", "w2"], "legs ran on both workers");
  assert.match(log, /secret: \*\*\*/, "the secret reached the worker, masked there");
  assert.doesNotMatch(log, /fleet-value/);
  assert.match(log, /needs output: [1-4]/);
  if (fleet.isolated) assert.doesNotMatch(log, new RegExp(`in ${WORKSPACE}`), "legs ran in the workers' own checkouts");
  const viaB = (await api<WorkflowRun>(b, "GET", `/api/runs/${run.id}`)).body;
  assert.equal(viaB.conclusion, "success", "the other front-end serves the run");
  assert.deepEqual(
    viaB.jobs.map((j) => j.steps.map((s) => s.conclusion)),
    run.jobs.map((j) => j.steps.map((s) => s.conclusion)),
  );

  await live.waitFor((f) => f.event === "run.completed" && (f.data as { runId: string }).runId === run.id);
  const seen = live.events().filter((e) => e.runId === run.id);
  const replay = await openStream(a.url, `/api/events?runId=${run.id}&since=0`);
  await replay.waitFor((f) => f.event === "run.completed");
  const all = replay.events();
  assert.deepEqual(
    seen.map((e) => e.id),
    all.map((e) => e.id),
    "front-end B got, live, exactly what front-end A replays: no gap, no duplicate",
  );
  const middle = all[all.length >> 1].id;
  const resumed = await openStream(b.url, `/api/events?runId=${run.id}`, { "Last-Event-ID": String(middle) });
  await resumed.waitFor((f) => f.event === "run.completed");
  assert.deepEqual(
    resumed.events().map((e: StoredEvent) => e.id),
    all.filter((e) => e.id > middle).map((e) => e.id),
    "resume on B from an id A sent",
  );
  for (const s of [live, replay, resumed]) s.close();
});

test("a cancel sent to the other front-end stops the leg on its worker within a second; `if: always()` jobs still run", async () => {
  const [a, b] = fleet.frontEnds;
  const live = await openStream(a.url, "/api/events");
  const created = await api<WorkflowRun>(a, "POST", "/api/runs", { workflow: "hold" });
  await live.waitFor((f) => f.event === "step.log" && /holding on/.test((f.data as { line: string }).line));
  const asked = Date.now();
  assert.equal((await api(b, "POST", `/api/runs/${created.body.id}/cancel`, {})).status, 200);
  await live.waitFor((f) => f.event === "step.completed" && (f.data as { jobId: string }).jobId === "wait");
  const took = Date.now() - asked;
  const run = await finished(a, created.body.id);
  assert.equal(run.conclusion, "cancelled");
  assert.equal(run.jobs.find((j) => j.id === "wait")?.conclusion, "cancelled");
  assert.ok(took <= 1500, `the leg stopped ${took} ms after the cancel`);
  live.close();
});

test("runs-on over workers: another OS is skipped by the coordinator unless --platform maps it, which any worker then runs; the coordinator makes no checkouts; setup-node's tool cache is the worker's own", async () => {
  const [a] = fleet.frontEnds;
  const created = await api<WorkflowRun>(a, "POST", "/api/runs", {
    workflow: "platforms",
    platforms: { "Windows-Latest": "host" },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const run = await finished(a, created.body.id, 30_000);
  const log = (await api<string>(a, "GET", `/api/runs/${run.id}/logs`)).body;
  assert.deepEqual(
    run.jobs.map((j) => [j.id, j.conclusion]),
    [
      ["os (ubuntu-latest)", "success"],
      ["os (macos-latest)", "skipped"],
      ["os (windows-latest)", "success"],
    ],
    log,
  );
  assert.match(
    log,
    /stax: skipped: runs-on 'macos-latest': 'macos-latest' asks for macOS and stax workers run Linux; run it here anyway with --platform macos-latest=host/,
  );
  assert.match(
    log,
    /windows-latest ran on w\d with tools in \S*stax-worker-w\d-[^/]+\/tools\b/,
    "the mapped leg ran on a worker, with the worker's own tool cache",
  );
  assert.match(log, /ubuntu-latest ran on w\d with tools in \S*stax-worker-w\d-[^/]+\/tools\b/);
  const checkouts = fleet.homes
    .flatMap((h) => readdirSync(h, { recursive: true, encoding: "utf8" }))
    .filter((p) => basename(p) === "checkouts");
  assert.deepEqual(checkouts, [], "the coordinator made no per-leg checkouts of its own");
});

test("a run posted with any sandbox strategy runs its legs on the workers: copy, and a worktree of a ref (its workflow read from that commit)", async () => {
  const [a] = fleet.frontEnds;
  for (const sandbox of [{ strategy: "copy" }, { strategy: "worktree", ref: "HEAD" }]) {
    const created = await api<WorkflowRun>(a, "POST", "/api/runs", { workflow: "platforms", sandbox });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const run = await finished(a, created.body.id, 30_000);
    const log = (await api<string>(a, "GET", `/api/runs/${run.id}/logs`)).body;
    assert.equal(run.jobs[0].conclusion, "success", log);
    assert.match(
      log,
      /ubuntu-latest ran on w\d with tools in \S*stax-worker-w\d-/,
      `${JSON.stringify(sandbox)}: the leg ran on a worker`,
    );
  }
});

test("kill -9 of a worker mid-leg: the leg fails within the lease with a line naming the lost worker, and the run goes on as needs and if say", async () => {
  const [a] = fleet.frontEnds;
  await fleet.startWorker("doomed", ["--labels", "linux,doomed"]);
  for (const w of ["w1", "w2"]) fleet.workers.get(w)!.child.kill("SIGSTOP");
  try {
    const live = await openStream(a.url, "/api/events");
    const created = await api<WorkflowRun>(a, "POST", "/api/runs", { workflow: "hold" });
    await live.waitFor((f) => f.event === "step.log" && /holding on doomed/.test((f.data as { line: string }).line));
    fleet.workers.get("doomed")!.child.kill("SIGKILL");
    for (const w of ["w1", "w2"]) fleet.workers.get(w)!.child.kill("SIGCONT");
    const run = await finished(a, created.body.id, 30_000);
    const log = (await api<string>(a, "GET", `/api/runs/${run.id}/logs`)).body;
    assert.equal(run.jobs.find((j) => j.id === "wait")?.conclusion, "failure");
    assert.match(log, /worker 'doomed' stopped answering/);
    assert.equal(
      run.jobs.find((j) => j.id === "after")?.conclusion,
      "success",
      "`if: always()` ran after the lost leg",
    );
    live.close();
  } finally {
    for (const w of ["w1", "w2"]) fleet.workers.get(w)!.child.kill("SIGCONT");
  }
});

for (const [when, line] of [
  ["while its first leg runs", /^first on /],
  ["after the first leg, while a matrix runs on the workers", /^leg \d got /],
] as const) {
  test(`kill -9 of the front-end that coordinates a run ${when}: another front-end takes it over, the run finishes as needs and if say, and subscribers of the surviving front-end miss nothing`, () =>
    takeOver(line));
}

async function takeOver(killAt: RegExp): Promise<void> {
  const [, b] = fleet.frontEnds;
  const coordinator = await spawnRunner(tempDir("stax-frontend-doomed-"), WORKSPACE, fleet.env);
  const live = await openStream(b.url, "/api/events");
  const created = await api<WorkflowRun>(coordinator, "POST", "/api/runs", { workflow: "relay" });
  const id = created.body.id;
  await live.waitFor((f) => f.event === "step.log" && killAt.test((f.data as { line: string }).line));
  coordinator.child.kill("SIGKILL");
  const run = await finished(b, id, 60_000);
  const log = (await api<string>(b, "GET", `/api/runs/${id}/logs`)).body;
  assert.equal(run.conclusion, "success", log);
  assert.deepEqual(
    run.jobs.map((j) => [j.id, j.conclusion]),
    [
      ["first", "success"],
      ["fan (1)", "success"],
      ["fan (2)", "success"],
      ["never", "skipped"],
      ["last", "success"],
    ],
  );
  assert.match(log, /leg 1 got relay-42/, "the output of the leg done before reached the jobs that need it");
  assert.match(log, /leg 2 got relay-42/);
  assert.match(log, /last saw fan success and never skipped/);
  assert.doesNotMatch(log, /runner stopped while this run was in progress/);
  for (const once of [/^first on /gm, /^leg 1 got /gm, /^leg 2 got /gm])
    assert.equal((log.match(once) ?? []).length, 1, `legs sent before were followed, not sent again:\n${log}`);

  await live.waitFor((f) => f.event === "run.completed" && (f.data as { runId: string }).runId === id);
  const seen = live.events().filter((e) => e.runId === id);
  const replay = await openStream(b.url, `/api/events?runId=${id}&since=0`);
  await replay.waitFor((f) => f.event === "run.completed");
  assert.deepEqual(
    seen.map((e) => e.id),
    replay.events().map((e) => e.id),
    "the surviving front-end's subscriber got every stored event live, once, in order",
  );
  const count = (type: string, jobId?: string) =>
    seen.filter((e) => e.type === type && (jobId === undefined || e.jobId === jobId)).length;
  assert.equal(count("run.started"), 1, "one run.started: the run reads as one run");
  assert.equal(count("run.completed"), 1);
  for (const job of run.jobs) assert.equal(count("job.completed", job.id), 1, `one job.completed for ${job.id}`);
  for (const job of ["first", "fan (1)", "fan (2)"])
    assert.equal(count("job.started", job), 1, `${job} was not started again`);
  live.close();
  replay.close();
}

test("actions/cache across machines: an entry a leg saves on one worker is restored on another, by exact key and by prefix, through the store's blobs", async () => {
  const [a] = fleet.frontEnds;
  await fleet.startWorker("ca", ["--labels", "linux,cache-a"]);
  await fleet.startWorker("cb", ["--labels", "linux,cache-b"]);
  const created = await api<WorkflowRun>(a, "POST", "/api/runs", { workflow: "cached" });
  const run = await finished(a, created.body.id);
  const log = (await api<string>(a, "GET", `/api/runs/${run.id}/logs`)).body;
  assert.equal(run.conclusion, "success", log);
  assert.match(log, /Cache saved with key: deps-/);
  assert.match(log, /exact hit: true/, "the other worker found the entry");
  assert.match(log, /restored: built on ca/, "with the files the first worker saved");
  assert.match(log, /prefix hit false from deps-/, "a restore-keys prefix finds it too");
  fleet.workers.get("ca")!.child.kill("SIGKILL");
  fleet.workers.get("cb")!.child.kill("SIGKILL");
});

test("the dashboard's Workers page lists the live workers with their labels and slots", async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(`${fleet.frontEnds[1].url}/workers`);
    const row = page.locator("table.workers tbody tr", { hasText: "w1" });
    await row.waitFor({ timeout: 15_000 });
    const text = (await row.innerText()).replace(/\s+/g, " ");
    // `docker` where the machine has an engine (a worker says so at start).
    assert.match(text, /w1 live linux, x64(, docker)? \d \/ 2/);
    assert.ok(await page.locator("table.workers tbody tr", { hasText: "w2" }).count());
  } finally {
    await browser.close();
  }
});
