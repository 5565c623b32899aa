/**
 * Docker steps, Docker actions, `container:` and `services:` against a real Docker engine (the
 * look-alike images of ../shared/docker/images.sh; skipped without one, failed in CI: see
 * test/helpers/docker.ts). The fake engine (test/helpers/fake-docker.ts) stays only for what a
 * real one cannot be made to do here: a registry that refuses a pull.
 */
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { DockerEngine } from "../../src/engine/index.js";
import { tarFolder } from "../../src/engine/docker/tar.js";
import { FakeDocker, untar } from "../helpers/fake-docker.js";
import { leftovers, realDocker } from "../helpers/docker.js";
import { conclusions, runFixture } from "../helpers/engine.js";
import { tempDir } from "../helpers/temp.js";

const docker = await realDocker(["alpine:3", "node:20", "postgres:15", "debian:bookworm"]);
const { engine } = docker;
let fake: FakeDocker;
before(async () => {
  fake = await new FakeDocker().start();
});
after(() => fake.close());

let runs = 0;
/** One job of the fixture under a run id of its own; nothing of it may be left in the engine. */
async function runJob(job: string, opts: { cacheDir?: string } = {}) {
  const runId = `d${process.pid}x${++runs}`;
  const r = await runFixture("docker", "docker.yml", { jobs: [job], actions: {}, docker: engine, runId, ...opts });
  assert.deepEqual(
    await leftovers(engine, runId),
    { containers: [], networks: [] },
    "every container and network of the job is removed",
  );
  return r;
}

test(
  "docker:// steps and a Dockerfile action run on the engine: pulled or built, workspace at /github/workspace, outputs via file commands, containers removed (DOCK-03)",
  { skip: docker.skip },
  async () => {
    const r = await runJob("steps");
    assert.equal(r.job("steps").conclusion, "success", r.log);
    assert.match(r.log, /hello from a container in \/github\/workspace ws=\/github\/workspace home=\/github\/home\n/);
    assert.match(r.log, /hello docker \(docker, set-by-runs-env\)/);
  },
);

test(
  "container: and services: a network, the service by its id, run steps executed in the job container, everything removed after (DOCK-01)",
  { skip: docker.skip },
  async () => {
    const r = await runJob("in-container");
    const job = r.job("in-container");
    assert.equal(job.conclusion, "success", r.log);
    assert.deepEqual(
      job.steps.map((s) => s.name),
      [
        "Initialize containers",
        'Run echo "inside, IN_CONTAINER=$IN_CONTAINER db=$(getent hosts db | wc -l)" && echo "v=1" >> "$GITHUB_OUTPUT"',
        'Run test "1" = 1',
        "Stop containers",
      ],
    );
    assert.match(r.log, /inside, IN_CONTAINER=yes db=1\n/, "the service answers to its id on the job's network");
  },
);

test(
  "a job container sees GitHub's paths (/__w/<repo>/<repo>, /__w/_temp, /github/workflow) in its env and contexts; JavaScript actions run inside it; built-in actions given those paths find the host's files",
  { skip: docker.skip },
  async () => {
    const cacheDir = tempDir("stax-container-cache-");
    try {
      const r = await runJob("container-paths", { cacheDir });
      assert.equal(r.job("container-paths").conclusion, "success", r.log);
      const workspace = /expr workspace=(\S+) temp=\/__w\/_temp\n/.exec(r.log)?.[1];
      assert.match(workspace ?? "", /^\/__w\/([^/]+)\/\1$/, "github.workspace is /__w/<repo>/<repo>");
      assert.match(
        r.log,
        new RegExp(
          `env pwd=${workspace} workspace=${workspace} temp=/__w/_temp event=/github/workflow/event.json output=/__w/_temp/\\S+ script=/__w/_temp/step-script\\.sh\n`,
        ),
      );
      assert.match(r.log, /event file readable/);
      assert.match(
        r.log,
        /greet ran with GITHUB_ACTION_PATH set: yes/,
        "the JavaScript action ran in the job container",
      );
      assert.match(r.log, /greeting=hello from a container/, "its output came back through the file commands");
      assert.match(
        r.log,
        /Cache saved with key: container-paths-/,
        "actions/cache on the host found ${{ github.workspace }}/… of the container",
      );
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  },
);

test("a failing pull fails the step with the engine's message (fake engine: no registry here to refuse one)", async () => {
  const r = await runFixture("docker", "docker.yml", {
    jobs: ["bad-image"],
    docker: new DockerEngine({ socketPath: fake.socketPath }),
  });
  assert.equal(r.job("bad-image").conclusion, "failure");
  assert.match(
    r.log,
    /the image missing\/image:1 is not on this Docker engine and pulling it failed \(pull access denied/,
  );
});

test("without an engine, one clear error per job or step names what needs Docker and where it looked", async () => {
  const docker = new DockerEngine({ socketPath: "/nonexistent/docker.sock" });
  const r = await runFixture("docker", "docker.yml", { jobs: ["steps", "in-container"], docker });
  assert.deepEqual(conclusions(r.run), { steps: "failure", "in-container": "failure" });
  assert.match(
    r.jobLog("in-container"),
    /job 'in-container' \('container: node:20', service 'db' \(postgres:15\)\) needs a Docker engine; none answers at \/nonexistent\/docker\.sock/,
  );
  assert.match(r.jobLog("steps"), /step 'docker:\/\/alpine:3' needs a Docker engine/);
});

test(
  "a build context keeps paths of 150 and 300 characters (ustar prefix, PAX path), not cut to their last 100",
  { skip: docker.skip },
  async () => {
    const dir = tempDir("stax-tar-");
    const tag = `stax-test-long-paths:${process.pid}`;
    try {
      const mid = `${"a".repeat(60)}/${"b".repeat(60)}/file-150.txt`.padStart(150, "m");
      const long = Array.from({ length: 10 }, (_, i) => `${i}`.repeat(29)).join("/") + "f";
      assert.equal(mid.length, 150);
      assert.equal(long.length, 300);
      for (const [rel, text] of [
        ["Dockerfile", "FROM debian:bookworm\nCOPY . /ctx/\n"],
        [mid, "one-fifty\n"],
        [long, "three-hundred\n"],
      ]) {
        mkdirSync(dirname(join(dir, rel)), { recursive: true });
        writeFileSync(join(dir, rel), text);
      }
      assert.deepEqual([...untar(await tarFolder(dir)).keys()].sort(), ["Dockerfile", long, mid].sort());
      await engine.build(await tarFolder(dir), tag, "Dockerfile", () => {});
      // The engine's own view of the context: the files at their whole paths in the image.
      const id = await engine.create({
        Image: tag,
        Cmd: ["cat", `/ctx/${mid}`, `/ctx/${long}`],
        Labels: { "stax.run": "tar-test" },
      });
      let out = "";
      try {
        await engine.start(id);
        await engine.wait(id);
        await engine.follow(id, (t) => (out += t));
      } finally {
        await engine.remove(id);
      }
      assert.equal(out, "one-fifty\nthree-hundred\n");
    } finally {
      await engine.call("DELETE", `/images/${encodeURIComponent(tag)}?force=true`).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
