/**
 * Job containers and service containers against a real Docker engine (DOCK-01, DOCK-02): options
 * as `docker create` takes them, health checks waited for, empty images skipped, fixed and random
 * ports, the job network shared with `docker://` steps, act's `-P LABEL=IMAGE`. The images are
 * the look-alikes of ../shared/docker/images.sh; without an engine the file is skipped (failed
 * in CI), see test/helpers/docker.ts.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { after, test } from "node:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tarFolder } from "../../src/engine/docker/tar.js";
import { FixtureRepo } from "../helpers/git-repo.js";
import { tempDir } from "../helpers/temp.js";
import { fixtureWorkspace, runFixture, type FixtureOptions } from "../helpers/engine.js";
import { leftovers, realDocker } from "../helpers/docker.js";

const docker = await realDocker(["node:20", "nginx:latest"]);
const { engine } = docker;
const volumes: string[] = [];
after(async () => {
  for (const v of volumes) await engine.call("DELETE", `/volumes/${v}?force=true`).catch(() => undefined);
});

/** Runs one job of the fixture under a run id of its own; checks nothing of it is left in the engine. */
async function runJob(job: string, opts: FixtureOptions = {}) {
  const runId = `t${randomBytes(4).toString("hex")}`;
  const volume = `stax-test-${runId}`;
  volumes.push(volume);
  const r = await runFixture("docker-real", "containers.yml", {
    event: "workflow_dispatch",
    jobs: [job],
    docker: engine,
    runId,
    ...opts,
    inputs: { volume, ...opts.inputs },
  });
  assert.deepEqual(
    await leftovers(engine, runId),
    { containers: [], networks: [] },
    "the job's containers and network are removed",
  );
  return r;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

test(
  "container.options reach the container as docker create would set them: --hostname, --user, --cpus, --memory, -e, --tmpfs, -v (DOCK-02)",
  { skip: docker.skip },
  async () => {
    const r = await runJob("options");
    assert.equal(r.job("options").conclusion, "success", r.log);
    assert.match(r.log, /host=my\.host\.local uid=100 gid=101 env=env-value opt=opt-value/);
    assert.match(r.log, /cpu=50000\/100000 mem=268435456/);
    assert.match(r.log, /mounts:.* \/scratch=tmpfs/, "--tmpfs");
    assert.match(r.log, /mounts:.* \/data=/, "-v NAME:/data");
  },
);

test(
  "an unknown option, or --network, fails the job with one line naming it, and nothing is created",
  { skip: docker.skip },
  async () => {
    const bad = await runJob("bad-option");
    assert.equal(bad.job("bad-option").conclusion, "failure");
    assert.match(bad.log, /container: options: unknown option '--hostnme'/);
    assert.doesNotMatch(bad.log, /should-not-run/);
    const net = await runJob("network-option");
    assert.equal(net.job("network-option").conclusion, "failure");
    assert.match(net.log, /service 'web': options: --network is not supported/);
  },
);

test(
  "a service with a health check is waited for until healthy before the first step runs",
  { skip: docker.skip },
  async () => {
    const r = await runJob("healthy");
    assert.equal(r.job("healthy").conclusion, "success", r.log);
    const n = Number(/health checks before the first step=(\d+)/.exec(r.log)?.[1]);
    assert.ok(n >= 3, `the step ran after ${n} health checks; the service is healthy only from the third`);
    assert.match(r.log, /Waiting for service 'web' to be healthy/);
  },
);

test(
  "a service that never becomes healthy fails the job with its last health output; the steps do not run",
  { skip: docker.skip },
  async () => {
    const r = await runJob("unhealthy");
    const job = r.job("unhealthy");
    assert.equal(job.conclusion, "failure");
    assert.match(r.log, /service 'web' is unhealthy: its health check failed \(exit code 1\): not-ready-yet/);
    assert.doesNotMatch(r.log, /should-not-run/);
    assert.equal(job.steps.find((s) => s.name.includes("should-not-run"))?.conclusion, "skipped");
  },
);

test(
  "a service that stops before it is healthy fails the job with its last log lines",
  { skip: docker.skip },
  async () => {
    const r = await runJob("stops");
    assert.equal(r.job("stops").conclusion, "failure");
    assert.match(r.log, /service 'web' stopped \(exit code [1-9]\d*\) before it was healthy; its output:\n.*nginx/);
    assert.doesNotMatch(r.log, /should-not-run/);
  },
);

test("a service whose image evaluates to empty is skipped, not pulled (DOCK-02)", { skip: docker.skip }, async () => {
  const r = await runJob("empty-service");
  assert.equal(r.job("empty-service").conclusion, "success", r.log);
  assert.match(r.log, /Skipping service 'gone': its image is empty/);
  assert.match(r.log, /ran without the service/);
});

test(
  "ports: a fixed host port and a random one, both in job.services.<id>.ports and reachable from a host job (DOCK-02)",
  { skip: docker.skip },
  async () => {
    const port = await freePort();
    const r = await runJob("ports", { inputs: { port: String(port) } });
    assert.equal(r.job("ports").conclusion, "success", r.log);
    const m = /web=(\d+) other=(\d+) network=(\S+) id=([0-9a-f]{64})/.exec(r.log);
    assert.ok(m, r.log);
    assert.equal(Number(m[1]), port);
    assert.ok(Number(m[2]) > 0 && Number(m[2]) !== port);
    assert.match(m[3], /^stax-/);
    assert.match(r.log, new RegExp(`fetched http://127\\.0\\.0\\.1:${port}/: 200 nginx`));
    assert.match(r.log, new RegExp(`fetched http://127\\.0\\.0\\.1:${m[2]}/: 200 nginx`));
  },
);

test(
  "a docker:// step of a job with services joins the job's network and reaches a service by its id (DOCK-01)",
  { skip: docker.skip },
  async () => {
    const r = await runJob("service-network");
    assert.equal(r.job("service-network").conclusion, "success", r.log);
    assert.match(r.log, /fetched http:\/\/web\/: 200 nginx/);
  },
);

test(
  "act's -P: --platform ubuntu-latest=node:20 runs that label's jobs in a node:20 container; a host job stays on the host",
  { skip: docker.skip },
  async () => {
    const r = await runJob("platform", { platforms: { "ubuntu-latest": "node:20" } });
    assert.equal(r.job("platform").conclusion, "success", r.log);
    assert.match(r.log, /node=v20\.\d+\.\d+ workspace=\/__w\/[^/]+\/[^/\s]+/);
    assert.match(r.log, /Started the job container \(node:20\)/);
    const host = await runJob("on-host", { platforms: { "ubuntu-latest": "node:20" } });
    assert.equal(host.job("on-host").conclusion, "success", host.log);
    assert.doesNotMatch(host.log, /workspace=\/__w\//);
    assert.doesNotMatch(host.log, /Initialize containers|job container/);
  },
);

test(
  "a Docker action's pre-entrypoint runs as a Pre step before the job's steps and its post-entrypoint as a Post step, each in a fresh container, state passed along (DOCK-04); it reads the event at /github/workflow/event.json (CTX-02)",
  { skip: docker.skip },
  async () => {
    const r = await runJob("stages", {
      actions: { overrides: { "acme/docker-stages@v1": join(fixtureWorkspace("docker-real"), "docker-stages") } },
    });
    const job = r.job("stages");
    assert.equal(job.conclusion, "success", r.log);
    assert.deepEqual(
      job.steps.map((s) => s.name),
      [
        "Pre Run acme/docker-stages@v1",
        "Run echo first-main-step",
        "Run acme/docker-stages@v1",
        "Run echo last-main-step",
        "Post docker stages",
      ],
    );
    assert.match(r.log, /pre ran for octo in [0-9a-f]{12}\n/);
    assert.match(r.log, /main ran for octo with STATE_from_pre=pre-state\n/);
    assert.match(r.log, /event at \/github\/workflow\/event\.json: \{\n/, "CTX-02: the event is mounted");
    assert.match(r.log, /post ran for octo with STATE_from_pre=pre-state STATE_from_main=main-state\n/);
    const order = ["pre ran", "first-main-step", "main ran", "last-main-step", "post ran"].map((s) => r.log.indexOf(s));
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
      "pre, the steps, main, post, in that order",
    );
  },
);

test(
  "a job container whose image has a USER of its own runs its steps as that user, which can read its scripts and write the file commands",
  { skip: docker.skip },
  async () => {
    const ctx = tempDir("stax-user-image-");
    const tag = `stax-test-user-image:${process.pid}`;
    writeFileSync(join(ctx, "Dockerfile"), "FROM node:20\nUSER 1234:1234\n");
    await engine.build(await tarFolder(ctx), tag, "Dockerfile", () => {});
    try {
      const repo = new FixtureRepo({
        ".github/workflows/u.yml": `on: push
jobs:
  user:
    runs-on: ubuntu-latest
    container: ${tag}
    steps:
      - id: s
        run: echo "uid=$(id -u)" && echo "out=written" >> "$GITHUB_OUTPUT"
      - run: echo "output=\${{ steps.s.outputs.out }}"
`,
      });
      const r = await runFixture(repo.dir, "u.yml", { docker: engine });
      assert.equal(r.job("user").conclusion, "success", r.log);
      assert.match(r.log, /uid=1234\n/);
      assert.match(r.log, /output=written\n/);
    } finally {
      await engine.call("DELETE", `/images/${encodeURIComponent(tag)}?force=true`).catch(() => undefined);
    }
  },
);
