/**
 * `container:` and `services:` of a job: a network of its own, the service containers on it
 * (reachable by their ids as host names), and the job container, kept alive with `tail -f
 * /dev/null` while `run:` steps and JavaScript actions execute in it. As on GitHub the container
 * sees the workspace at `/__w/<repo>/<repo>`, the job's temp folder (RUNNER_TEMP, file commands,
 * step scripts) at `/__w/_temp`, the event at `/github/workflow/event.json` and, for JavaScript
 * actions when the image has no `node`, the Node that runs stax at `/__e/node`; paths are mapped
 * between host and container (`JobContainer.mounts`). Everything is removed at the end of the
 * job, whatever happened.
 */
import { basename, dirname, join } from "node:path";
import { evaluateToken } from "../../expressions/index.js";
import { jobContexts, type JobContainer, type JobContext } from "../runtime.js";
import { dockerFor, type Mount } from "./context.js";
import type { DockerEngine } from "./engine.js";
import { ownedLabels } from "./labels.js";
import { errorMessage, type Result } from "../../contract/index.js";

interface ContainerDef {
  image: string;
  env?: Record<string, string>;
  ports?: (string | number)[];
  volumes?: string[];
  options?: string;
}

function asDef(v: unknown, what: string): ContainerDef {
  if (typeof v === "string") return { image: v };
  if (v && typeof v === "object" && typeof (v as ContainerDef).image === "string") return v as ContainerDef;
  throw new Error(`${what} needs an image`);
}

const envList = (env: Record<string, unknown> | undefined) => Object.entries(env ?? {}).map(([k, v]) => `${k}=${String(v)}`);

/** `8080:80` / `80` → PortBindings. */
function portBindings(ports: (string | number)[] | undefined): Record<string, { HostPort: string }[]> {
  const out: Record<string, { HostPort: string }[]> = {};
  for (const p of ports ?? []) {
    const [host, container] = String(p).includes(":") ? String(p).split(":") : ["", String(p)];
    out[`${container.includes("/") ? container : `${container}/tcp`}`] = [{ HostPort: host }];
  }
  return out;
}

/**
 * What the job container mounts, workspace first: GitHub's paths for the workspace, the job's
 * temp folder and the event, and the Node that runs stax (its whole install when it is one of
 * its own, the binary alone when it lives among the system's programs).
 */
function jobMounts(rt: JobContext): (Mount & { readOnly?: boolean })[] {
  const repo = String(rt.run.github.repository ?? "").split("/").pop() || basename(rt.workspace);
  const prefix = dirname(dirname(rt.run.nodePath));
  const systemNode = ["/usr", "/usr/local", "/"].includes(prefix);
  return [
    { host: rt.workspace, container: `/__w/${repo}/${repo}` },
    { host: rt.temp, container: "/__w/_temp" },
    { host: join(rt.services.tempDir, "_github_workflow"), container: "/github/workflow", readOnly: true },
    systemNode ? { host: rt.run.nodePath, container: "/__e/node/bin/node", readOnly: true } : { host: prefix, container: "/__e/node", readOnly: true },
  ];
}

/** What the job's containers leave it: their cleanup (always call it) and the job container, if it has one. */
export interface JobContainers {
  cleanup: () => Promise<void>;
  container?: JobContainer;
}

/** Starts what the job declares, or says why that failed the job (what it started is removed by then). */
export async function startJobContainers(rt: JobContext, log: (l: string) => void): Promise<Result<JobContainers>> {
  const ctx = jobContexts(rt);
  const container = rt.def.container ? asDef(evaluateToken(rt.def.container, ctx), "container") : undefined;
  const services = rt.def.services ? (evaluateToken(rt.def.services, ctx) as Record<string, unknown>) : {};
  const needs = [container ? `'container: ${container.image}'` : "", ...Object.entries(services).map(([id, s]) => `service '${id}' (${asDef(s, `service ${id}`).image})`)].filter(Boolean);
  const docker = await dockerFor(rt.services, `job '${rt.def.id}' (${needs.join(", ")})`);
  if (!docker.ok) return docker;
  const engine: DockerEngine = docker.value;
  const created: string[] = [];
  let network: string | undefined;
  const cleanup = async () => {
    for (const id of created.reverse()) await engine.remove(id);
    if (network) await engine.removeNetwork(network);
  };
  try {
    const name = `stax-${rt.services.runId}-${rt.job.id}`.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 60);
    network = await engine.createNetwork(name, ownedLabels(rt.services.runId, rt.job.id));
    for (const [id, raw] of Object.entries(services)) {
      const s = asDef(raw, `service ${id}`);
      await engine.ensureImage(s.image, log);
      const cid = await engine.create({ Image: s.image, Env: envList(s.env), Labels: ownedLabels(rt.services.runId, rt.job.id), HostConfig: { NetworkMode: name, PortBindings: portBindings(s.ports) }, NetworkingConfig: { EndpointsConfig: { [name]: { Aliases: [id] } } } });
      created.push(cid);
      await engine.start(cid);
      log(`Started service '${id}' (${s.image})`);
    }
    if (container) {
      await engine.ensureImage(container.image, log);
      const mounts = jobMounts(rt);
      const cid = await engine.create({
        Image: container.image,
        Entrypoint: ["tail"],
        Cmd: ["-f", "/dev/null"],
        Env: envList(container.env),
        WorkingDir: mounts[0].container,
        Labels: ownedLabels(rt.services.runId, rt.job.id),
        HostConfig: { NetworkMode: name, Binds: [...mounts.map((m) => `${m.host}:${m.container}${m.readOnly ? ":ro" : ""}`), ...(container.volumes ?? [])], PortBindings: portBindings(container.ports) },
      });
      created.push(cid);
      await engine.start(cid);
      const has = async (cmd: string) => (await engine.exec(cid, { Cmd: ["sh", "-c", `command -v ${cmd}`], Env: [] }, () => {})) === 0;
      const shell = (await has("bash")) ? "bash" : "sh";
      // JavaScript actions: the image's own Node, else the mounted one (GitHub mounts its own at /__e).
      const node = (await has("node")) ? "node" : "/__e/node/bin/node";
      log(`Started the job container (${container.image}); run steps execute in it`);
      return { ok: true, value: { cleanup, container: { id: cid, network: name, shell, mounts, node } } };
    }
    return { ok: true, value: { cleanup } };
  } catch (err) {
    await cleanup();
    return { ok: false, error: errorMessage(err) };
  }
}
