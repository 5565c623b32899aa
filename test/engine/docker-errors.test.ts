/**
 * Issue 23 item 9, against the machine's real Docker engine (no image registry answers here, as
 * on many machines): an image the engine lacks, a Dockerfile whose base image it lacks, a build
 * that fails, no engine at all — each one error line saying what is missing and how to get it,
 * the job failed, and nothing of the job left in the engine.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DockerEngine } from "../../src/engine/index.js";
import { runFixture, type FixtureRun } from "../helpers/engine.js";
import { leftovers, noEngine, realDocker } from "../helpers/docker-leftovers.js";

const skip = await noEngine();

/** The job's `##[error]` lines. */
const errors = (r: FixtureRun, job: string) =>
  r
    .jobLog(job)
    .split("\n")
    .filter((l) => l.includes("##[error]"));

const HOW =
  "pull it where its registry answers and bring it here \\(docker save, then docker load\\), or build it here \\(docker build -t";

let run: FixtureRun | undefined;
const errorsRun = async () => (run ??= await runFixture("docker-life", "errors.yml", { docker: realDocker }));

test(
  "a job container or service image missing with no registry to pull from: one line naming the image and how to get it, the job failed, the service already started and the network removed",
  { skip },
  async () => {
    const r = await errorsRun();
    for (const [job, image] of [
      ["missing-container", "missing/image:1"],
      ["missing-service", "missing/db:2"],
    ]) {
      assert.equal(r.job(job).conclusion, "failure", r.jobLog(job));
      const lines = errors(r, job);
      assert.equal(lines.length, 1, lines.join("\n"));
      assert.match(
        lines[0],
        new RegExp(
          `the image ${image} is not on this Docker engine and pulling it failed \\(.+\\); ${HOW} ${image} FOLDER\\)$`,
        ),
      );
      assert.doesNotMatch(lines[0], /\{"message"/, "the engine's reason is unwrapped from its JSON");
      assert.deepEqual(await leftovers("test", job), { containers: [], networks: [] });
    }
  },
);

test(
  "a docker:// step whose image is missing fails with the same one line, and always() steps still run",
  { skip },
  async () => {
    const r = await errorsRun();
    assert.equal(r.job("missing-step-image").conclusion, "failure");
    const lines = errors(r, "missing-step-image");
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(
      lines[0],
      new RegExp(
        `the image missing/tool:3 is not on this Docker engine and pulling it failed \\(.+\\); ${HOW} missing/tool:3 FOLDER\\)$`,
      ),
    );
    assert.match(r.jobLog("missing-step-image"), /always ran/);
  },
);

test(
  "a Docker action whose Dockerfile starts FROM a missing image, and one whose build fails at a RUN: one line each naming the action, the step and the way on",
  { skip },
  async () => {
    const r = await errorsRun();
    assert.equal(r.job("missing-base").conclusion, "failure");
    const base = errors(r, "missing-base");
    assert.equal(base.length, 1, base.join("\n"));
    assert.match(
      base[0],
      new RegExp(
        `Docker action './actions/broken-from': its Dockerfile starts FROM missing/base:3, which is not on this Docker engine and pulling it failed \\(.+\\); ${HOW} missing/base:3 FOLDER\\)$`,
      ),
    );
    assert.equal(r.job("failing-build").conclusion, "failure");
    const build = errors(r, "failing-build");
    assert.equal(build.length, 1, build.join("\n"));
    assert.match(
      build[0],
      /Docker action '\.\/actions\/broken-run': building its Dockerfile failed at step 2\/\d : RUN echo building && exit 3 \(The command .* returned a non-zero code: 3\); its build output is above$/,
    );
    assert.match(r.jobLog("failing-build"), /^building$/m, "the build's own output is in the log");
  },
);

test("without an engine, a Docker action fails its job with one line naming where stax looked and what to do", async () => {
  const r = await runFixture("docker-life", "errors.yml", {
    docker: new DockerEngine({ socketPath: "/nonexistent/docker.sock" }),
    jobs: ["failing-build"],
  });
  assert.equal(r.job("failing-build").conclusion, "failure");
  const lines = errors(r, "failing-build");
  assert.deepEqual(
    lines.map((l) => l.replace(/^.*##\[error\]/, "")),
    [
      "Docker action './actions/broken-run' needs a Docker engine; none answers at /nonexistent/docker.sock (start Docker or set DOCKER_HOST)",
    ],
  );
});
