/**
 * Docker steps, Docker actions, `container:` and `services:` against the Docker Engine API.
 * No Docker engine runs on this machine: these tests use a fake engine (test/helpers/fake-docker.ts)
 * that speaks the same HTTP API over a unix socket and runs "containers" as host processes.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { DockerEngine } from "../../src/engine/index.js";
import { tarFolder } from "../../src/engine/docker/tar.js";
import { FakeDocker, untar } from "../helpers/fake-docker.js";
import { conclusions, runFixture } from "../helpers/engine.js";
import { tempDir } from "../helpers/temp.js";

let fake: FakeDocker;
before(async () => {
  fake = await new FakeDocker().start();
});
after(() => fake.close());

test("docker:// steps and a Dockerfile action run through the engine: pull or build, workspace at /github/workspace, outputs via file commands, containers removed", async () => {
  const r = await runFixture("docker", "docker.yml", { jobs: ["steps"], actions: {}, docker: new DockerEngine({ socketPath: fake.socketPath }) });
  assert.equal(r.job("steps").conclusion, "success", r.log);
  assert.match(r.log, /hello from a container/);
  assert.match(r.log, /hello docker \(docker, set-by-runs-env\)/);
  const created = fake.calls.filter((c) => c.path === "/containers/create").map((c) => c.body as { Image: string; Env: string[]; WorkingDir: string; HostConfig: { Binds: string[] } });
  const step = created.find((c) => c.Image === "alpine:3.20")!;
  assert.equal(step.WorkingDir, "/github/workspace");
  assert.ok(step.HostConfig.Binds.some((b) => b.endsWith(":/github/workspace")));
  assert.ok(step.Env.includes("GITHUB_WORKSPACE=/github/workspace"));
  assert.ok(step.Env.some((e) => e.startsWith("GITHUB_OUTPUT=/github/runner_temp/")));
  assert.ok(!step.Env.some((e) => e.startsWith("PATH=")), "the host PATH stays out of the container");
  assert.ok(fake.calls.some((c) => c.path.startsWith("/build?t=stax-action%3A")), "the Dockerfile action is built");
  assert.ok([...fake.containers.values()].every((c) => c.removed), "every container is removed");
});

test("container: and services: a network, the service by its id, run steps executed in the job container, everything removed after", async () => {
  const r = await runFixture("docker", "docker.yml", { jobs: ["in-container"], docker: new DockerEngine({ socketPath: fake.socketPath }) });
  const job = r.job("in-container");
  assert.equal(job.conclusion, "success", r.log);
  assert.deepEqual(job.steps.map((s) => s.name), ["Initialize containers", 'Run echo "inside, IN_CONTAINER=$IN_CONTAINER" && echo "v=1" >> "$GITHUB_OUTPUT"', 'Run test "1" = 1', "Stop containers"]);
  assert.match(r.log, /inside, IN_CONTAINER=yes/);
  const service = fake.calls.find((c) => c.path === "/containers/create" && (c.body as { Image: string }).Image === "postgres:16")!.body as { Env: string[]; NetworkingConfig: { EndpointsConfig: Record<string, { Aliases: string[] }> } };
  assert.deepEqual(service.Env, ["POSTGRES_PASSWORD=pw"]);
  assert.deepEqual(Object.values(service.NetworkingConfig.EndpointsConfig)[0].Aliases, ["db"]);
  assert.ok(fake.calls.some((c) => c.path.includes("/exec")), "run steps go through exec");
  assert.ok([...fake.networks.values()].every((n) => n.removed) && [...fake.containers.values()].every((c) => c.removed));
});

test("a job container sees GitHub's paths (/__w/<repo>/<repo>, /__w/_temp, /github/workflow) in its env and contexts; JavaScript actions run inside it; built-in actions given those paths find the host's files", async () => {
  const cacheDir = tempDir("stax-container-cache-");
  try {
    const r = await runFixture("docker", "docker.yml", { jobs: ["container-paths"], docker: new DockerEngine({ socketPath: fake.socketPath }), cacheDir });
    assert.equal(r.job("container-paths").conclusion, "success", r.log);
    const create = fake.calls.filter((c) => c.path === "/containers/create").map((c) => c.body as { Image: string; WorkingDir: string; HostConfig: { Binds: string[] } }).at(-1)!;
    const workspace = create.WorkingDir;
    assert.match(workspace, /^\/__w\/([^/]+)\/\1$/, "the workspace is mounted at /__w/<repo>/<repo>");
    assert.ok(create.HostConfig.Binds.some((b) => b.endsWith(`:${workspace}`)) && create.HostConfig.Binds.some((b) => b.endsWith(":/__w/_temp")));
    assert.ok(create.HostConfig.Binds.some((b) => b.endsWith(":/github/workflow:ro")));
    assert.match(r.log, new RegExp(`expr workspace=${workspace} temp=/__w/_temp\n`), "github.workspace and runner.temp say so inside it");
    const execs = fake.calls.filter((c) => /\/containers\/\w+\/exec$/.test(c.path)).map((c) => c.body as { Cmd: string[]; Env: string[]; WorkingDir?: string });
    const script = execs.find((e) => e.Cmd.some((a) => /step-script/.test(a)))!;
    assert.equal(script.WorkingDir, workspace);
    assert.ok(script.Cmd.includes("/__w/_temp/step-script.sh"), script.Cmd.join(" "));
    for (const v of [`GITHUB_WORKSPACE=${workspace}`, "RUNNER_TEMP=/__w/_temp", "GITHUB_EVENT_PATH=/github/workflow/event.json"]) assert.ok(script.Env.includes(v), `${v} in ${script.Env.join(" ")}`);
    assert.ok(script.Env.some((e) => e.startsWith("GITHUB_OUTPUT=/__w/_temp/")));
    const action = execs.find((e) => e.Cmd.some((a) => /main\.js$/.test(a)))!;
    assert.ok(action, "the JavaScript action ran through exec in the job container");
    assert.match(action.Cmd[1], /^\/__w\/_temp\/_actions\/[0-9a-f]+\/main\.js$/);
    assert.equal(action.WorkingDir, workspace);
    assert.match(r.log, /greeting=hello from a container/, "its output came back through the file commands");
    assert.match(r.log, /Cache saved with key: container-paths-/, "actions/cache on the host found ${{ github.workspace }}/… of the container");
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test("a failing pull fails the step with the engine's message", async () => {
  const r = await runFixture("docker", "docker.yml", { jobs: ["bad-image"], docker: new DockerEngine({ socketPath: fake.socketPath }) });
  assert.equal(r.job("bad-image").conclusion, "failure");
  assert.match(r.log, /the image missing\/image:1 is not on this Docker engine and pulling it failed \(pull access denied/);
});

test("without an engine, one clear error per job or step names what needs Docker and where it looked", async () => {
  const docker = new DockerEngine({ socketPath: "/nonexistent/docker.sock" });
  const r = await runFixture("docker", "docker.yml", { jobs: ["steps", "in-container"], docker });
  assert.deepEqual(conclusions(r.run), { steps: "failure", "in-container": "failure" });
  assert.match(r.jobLog("in-container"), /job 'in-container' \('container: node:20', service 'db' \(postgres:16\)\) needs a Docker engine; none answers at \/nonexistent\/docker\.sock/);
  assert.match(r.jobLog("steps"), /step 'docker:\/\/alpine:3\.20' needs a Docker engine/);
});

test("a build context keeps paths of 150 and 300 characters (ustar prefix, PAX path), not cut to their last 100", async () => {
  const dir = tempDir("stax-tar-");
  try {
    const mid = `${"a".repeat(60)}/${"b".repeat(60)}/file-150.txt`.padStart(150, "m");
    const long = Array.from({ length: 10 }, (_, i) => `${i}`.repeat(29)).join("/") + "f";
    assert.equal(mid.length, 150);
    assert.equal(long.length, 300);
    for (const [rel, text] of [["Dockerfile", "FROM alpine\n"], [mid, "one-fifty"], [long, "three-hundred"]]) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
    await new DockerEngine({ socketPath: fake.socketPath }).build(await tarFolder(dir), "stax-long-paths:1", "Dockerfile", () => {});
    const ctx = fake.contexts.get("stax-long-paths:1")!;
    assert.equal(readFileSync(join(ctx, mid), "utf8"), "one-fifty");
    assert.equal(readFileSync(join(ctx, long), "utf8"), "three-hundred");
    assert.deepEqual([...untar(await tarFolder(dir)).keys()].sort(), ["Dockerfile", long, mid].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
