/**
 * For tests against the machine's real Docker engine: whether one answers, and what of a run's
 * job is still there (containers, networks) by the labels stax puts on everything it creates.
 */
import { DockerEngine, dockerAddress } from "../../src/engine/index.js";

export const realDocker = new DockerEngine(dockerAddress(process.env.DOCKER_HOST));

/** Why tests against the real engine cannot run here, or false when they can. */
export const noEngine = async (): Promise<string | false> =>
  (await realDocker.ping(3000)) ? false : "no Docker engine answers (see README: Docker)";

const filter = (labels: string[]) => encodeURIComponent(JSON.stringify({ label: labels }));

/** Containers and networks labelled with `stax.run=<runId>` and `stax.job=<jobId>`, by kind. */
export async function leftovers(runId: string, jobId: string): Promise<{ containers: string[]; networks: string[] }> {
  const f = filter([`stax.run=${runId}`, `stax.job=${jobId}`]);
  const containers = (
    await realDocker.call<{ Id: string }[]>("GET", `/containers/json?all=true&filters=${f}`)
  ).body.map((c) => c.Id);
  const networks = (await realDocker.call<{ Id: string }[]>("GET", `/networks?filters=${f}`)).body.map((n) => n.Id);
  return { containers, networks };
}
