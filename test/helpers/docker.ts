/**
 * The real Docker engine for the Docker tests: the one DOCKER_HOST names, else the default
 * socket, with the images a test needs already there (no registry is reachable: the project's
 * CI builds look-alikes with ../shared/docker/images.sh). When either is missing a test file is
 * skipped with the reason and how to get the engine, except under STAX_TEST_DOCKER=require (set
 * by .ci/run) or CI=true, where it fails: CI must never pass by skipping them.
 */
import { DockerEngine, dockerAddress } from "../../src/engine/index.js";

export interface RealDocker {
  engine: DockerEngine;
  /** A reason to skip (node:test's `skip` option), or false when the engine and images are there. */
  skip: string | false;
}

const required = () => process.env.STAX_TEST_DOCKER === "require" || process.env.CI === "true";

/** Asks the engine; `images` must all be present. Throws instead of skipping in CI. */
export async function realDocker(images: string[] = []): Promise<RealDocker> {
  const address = dockerAddress(process.env.DOCKER_HOST);
  const engine = new DockerEngine(address);
  const where = address.socketPath ?? `tcp://${address.host}:${address.port}`;
  let reason: string | undefined;
  if (!(await engine.ping(3000))) {
    reason = `no Docker engine answers at ${where} (DOCKER_HOST): start one, e.g. ../shared/docker/start-engine.sh, then ../shared/docker/images.sh`;
  } else {
    const missing: string[] = [];
    for (const image of images) {
      const present = await engine.call("GET", `/images/${encodeURIComponent(image)}/json`).then(
        () => true,
        () => false,
      );
      if (!present) missing.push(image);
    }
    if (missing.length)
      reason = `the Docker engine at ${where} lacks ${missing.join(", ")} and no registry is reachable: ../shared/docker/images.sh builds them`;
  }
  if (reason && required()) throw new Error(`Docker tests need a real engine (STAX_TEST_DOCKER=require): ${reason}`);
  return { engine, skip: reason ? `skipped: ${reason}` : false };
}

/** Containers and networks the engine has with the label `stax.run=<runId>`. */
export async function leftovers(
  engine: DockerEngine,
  runId: string,
): Promise<{ containers: string[]; networks: string[] }> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`stax.run=${runId}`] }));
  const containers = (
    await engine.call<{ Id: string }[]>("GET", `/containers/json?all=true&filters=${filters}`)
  ).body.map((c) => c.Id);
  const byName = encodeURIComponent(JSON.stringify({ name: [`stax-${runId}-`] }));
  const networks = (await engine.call<{ Name: string }[]>("GET", `/networks?filters=${byName}`)).body.map(
    (n) => n.Name,
  );
  return { containers, networks };
}
