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
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync } from "node:fs";
import { basename, dirname } from "node:path";
import { prepareFileCommands } from "../io/file-commands.js";
import { evaluateToken } from "../../expressions/index.js";
import { jobContexts, type JobContainer, type JobContext, type JobNetwork } from "../runtime.js";
import { dockerFor, type Mount } from "./context.js";
import type { DockerEngine } from "./engine.js";
import { parseCreateOptions, type CreateOptions } from "./create-options.js";
import { inspect, publishedPorts, waitHealthy } from "./health.js";
import { parsePortSpec } from "./option-values.js";
import { pullImage, type Credentials } from "./pull.js";
import { ownedLabels } from "./labels.js";
import { errorMessage, type Result } from "../../contract/index.js";

interface ContainerDef {
  image: string;
  env?: Record<string, unknown>;
  ports?: (string | number)[];
  volumes?: string[];
  options?: string;
  credentials?: Credentials;
}

/** `container:`/`services.<id>:` evaluated: a string is the image; an empty image means none (DOCK-02). */
function asDef(v: unknown, what: string): ContainerDef | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "string") return { image: v };
  if (v && typeof v === "object") {
    const image = (v as { image?: unknown }).image;
    if (image === undefined || image === null || image === "") return undefined;
    if (typeof image === "string") return v as ContainerDef;
  }
  throw new Error(`${what} needs an image`);
}

/** A def's options, or an error naming whose options they are. */
function optionsOf(def: ContainerDef, what: string): CreateOptions {
  try {
    return parseCreateOptions(def.options === undefined ? undefined : String(def.options));
  } catch (err) {
    throw new Error(`${what}: options: ${errorMessage(err)}`);
  }
}

const envList = (env: Record<string, unknown> | undefined) =>
  Object.entries(env ?? {}).map(([k, v]) => `${k}=${String(v)}`);

/** `ports:` (`8080:80`, `80`: a random host port) as ExposedPorts and PortBindings. */
function portsOf(ports: (string | number)[] | undefined): {
  exposed: Record<string, object>;
  bindings: Record<string, { HostIp: string; HostPort: string }[]>;
} {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of ports ?? []) {
    const spec = parsePortSpec(p);
    exposed[spec.key] = {};
    bindings[spec.key] = [...(bindings[spec.key] ?? []), { HostIp: spec.hostIp, HostPort: spec.hostPort }];
  }
  return { exposed, bindings };
}

/** `volumes:`: `name:/path` and `/host:/path` are binds; a lone `/path` is an anonymous volume. */
function volumesOf(volumes: string[] | undefined): { binds: string[]; anonymous: Record<string, object> } {
  const binds: string[] = [];
  const anonymous: Record<string, object> = {};
  for (const v of volumes ?? []) {
    if (String(v).includes(":")) binds.push(String(v));
    else anonymous[String(v)] = {};
  }
  return { binds, anonymous };
}

/**
 * The create body of a job or service container: what stax sets, the def's `env`, `ports` and
 * `volumes`, then its options over them, as `docker create` reads its flags after the runner's
 * own (lists add up; one-value fields are the options'). The network stays the job's.
 */
function createBody(
  base: Record<string, unknown> & { HostConfig: Record<string, unknown> },
  def: ContainerDef,
  opts: CreateOptions,
): Record<string, unknown> {
  const ports = portsOf(def.ports);
  const volumes = volumesOf(def.volumes);
  const list = (a: unknown, b: unknown) => [
    ...((a as unknown[] | undefined) ?? []),
    ...((b as unknown[] | undefined) ?? []),
  ];
  const optBindings = (opts.host.PortBindings as Record<string, unknown[]> | undefined) ?? {};
  const bindings: Record<string, unknown[]> = { ...ports.bindings };
  for (const [k, v] of Object.entries(optBindings)) bindings[k] = list(bindings[k], v);
  return {
    ...base,
    ...opts.config,
    Env: list(envList(def.env), opts.config.Env),
    Labels: { ...(opts.config.Labels as object), ...(base.Labels as object) },
    ExposedPorts: { ...ports.exposed, ...(opts.config.ExposedPorts as object) },
    Volumes: volumes.anonymous,
    HostConfig: {
      ...opts.host,
      ...base.HostConfig,
      Binds: list(list(base.HostConfig.Binds, volumes.binds), opts.host.Binds),
      PortBindings: bindings,
    },
  };
}

/** Creates a container with the options' `--name`/`--platform`. */
async function createContainer(
  engine: DockerEngine,
  body: Record<string, unknown>,
  opts: CreateOptions,
): Promise<string> {
  const query = new URLSearchParams(opts.query).toString();
  return (await engine.call<{ Id: string }>("POST", `/containers/create${query ? `?${query}` : ""}`, body)).body.Id;
}

/**
 * What the job container mounts, workspace first: GitHub's paths for the workspace, the job's
 * temp folder and the event, and the Node that runs stax (its whole install when it is one of
 * its own, the binary alone when it lives among the system's programs).
 */
function jobMounts(rt: JobContext): (Mount & { readOnly?: boolean })[] {
  const repo =
    String(rt.run.github.repository ?? "")
      .split("/")
      .pop() || basename(rt.workspace);
  const prefix = dirname(dirname(rt.run.nodePath));
  const systemNode = ["/usr", "/usr/local", "/"].includes(prefix);
  return [
    { host: rt.workspace, container: `/__w/${repo}/${repo}` },
    { host: rt.temp, container: "/__w/_temp" },
    { host: dirname(rt.eventPath), container: "/github/workflow", readOnly: true },
    systemNode
      ? { host: rt.run.nodePath, container: "/__e/node/bin/node", readOnly: true }
      : { host: prefix, container: "/__e/node", readOnly: true },
  ];
}

/**
 * A job container with `--user` runs its steps as that user, who must read the step scripts and
 * the event and write the file commands that stax (another user) made 0600. They are opened to
 * it; the run's temp folder above them (0700) keeps the machine's other users out.
 */
function shareWithUser(rt: JobContext): void {
  const files = prepareFileCommands(rt.commandDir);
  for (const dir of [rt.temp, rt.commandDir]) chmodSync(dir, 0o777);
  for (const f of Object.values(files)) chmodSync(f, 0o666);
  const workflow = dirname(rt.eventPath);
  if (existsSync(workflow)) chmodSync(workflow, 0o755);
  if (existsSync(rt.eventPath)) chmodSync(rt.eventPath, 0o644);
}

/** What the job's containers leave it: their cleanup (always call it), the job container if it has one, and the network with its context. */
export interface JobContainers {
  cleanup: () => Promise<void>;
  container?: JobContainer;
  network?: JobNetwork;
}

/** Starts what the job declares, or says why that failed the job (what it started is removed by then). */
export async function startJobContainers(
  rt: JobContext,
  log: (l: string) => void,
  platformImage?: string,
): Promise<Result<JobContainers>> {
  // container/services (their credentials, env) may read secrets and env too, as on GitHub.
  const ctx = { ...jobContexts(rt), secrets: rt.graph.secrets, env: rt.state.env };
  let container: ContainerDef | undefined;
  const services: [string, ContainerDef][] = [];
  try {
    // act's `-P LABEL=IMAGE` stands for `container: IMAGE` of a job that has none.
    container = rt.def.container
      ? asDef(evaluateToken(rt.def.container, ctx), "container")
      : platformImage
        ? { image: platformImage }
        : undefined;
    const evaluated = rt.def.services
      ? ((evaluateToken(rt.def.services, ctx) as Record<string, unknown> | null) ?? {})
      : {};
    for (const [id, raw] of Object.entries(evaluated)) {
      const def = asDef(raw, `service '${id}'`);
      if (def) services.push([id, def]);
      else log(`Skipping service '${id}': its image is empty`);
    }
  } catch (err) {
    return { ok: false, error: errorMessage(err) };
  }
  if (!container && !services.length) return { ok: true, value: { cleanup: async () => {} } };
  const needs = [
    container ? `'container: ${container.image}'` : "",
    ...services.map(([id, s]) => `service '${id}' (${s.image})`),
  ].filter(Boolean);
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
    // A random part, as GitHub's github_network_<guid>: two runs with one id (tests, re-runs) never meet.
    const name =
      `stax-${rt.services.runId}-${rt.job.id}`.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 52) +
      `-${randomBytes(4).toString("hex")}`;
    // Options are read before anything is created, so a wrong one leaves nothing to remove.
    const serviceOpts = services.map(([id, s]) => optionsOf(s, `service '${id}'`));
    const containerOpts = container ? optionsOf(container, "container") : undefined;
    network = await engine.createNetwork(name, ownedLabels(rt.services.runId, rt.job.id));
    const context: JobNetwork = { network: name, services: {} };
    const started: [string, string][] = [];
    for (const [i, [id, s]] of services.entries()) {
      const opts = serviceOpts[i];
      await pullImage(engine, s.image, s.credentials, log);
      const body = createBody(
        {
          Image: s.image,
          Labels: ownedLabels(rt.services.runId, rt.job.id),
          HostConfig: { NetworkMode: name },
          NetworkingConfig: { EndpointsConfig: { [name]: { Aliases: [id, ...opts.aliases] } } },
        },
        s,
        opts,
      );
      const cid = await createContainer(engine, body, opts);
      created.push(cid);
      await engine.start(cid);
      started.push([id, cid]);
      log(`Started service '${id}' (${s.image})`);
    }
    // As GitHub's runner: every service started, then each waited for until healthy.
    for (const [id, cid] of started) {
      await waitHealthy(engine, cid, `service '${id}'`, log, () => rt.state.cancelled);
      context.services[id] = { id: cid, network: name, ports: publishedPorts(await inspect(engine, cid)) };
    }
    if (container && containerOpts) {
      await pullImage(engine, container.image, container.credentials, log);
      const mounts = jobMounts(rt);
      const body = createBody(
        {
          Image: container.image,
          Entrypoint: ["tail"],
          Cmd: ["-f", "/dev/null"],
          WorkingDir: mounts[0].container,
          Labels: ownedLabels(rt.services.runId, rt.job.id),
          HostConfig: {
            NetworkMode: name,
            Binds: mounts.map((m) => `${m.host}:${m.container}${m.readOnly ? ":ro" : ""}`),
          },
          ...(containerOpts.aliases.length
            ? { NetworkingConfig: { EndpointsConfig: { [name]: { Aliases: containerOpts.aliases } } } }
            : {}),
        },
        container,
        containerOpts,
      );
      // The user steps run as: --user, else the image's own USER.
      const user =
        (containerOpts.config.User as string | undefined) ||
        (
          await engine.call<{ Config?: { User?: string } }>(
            "GET",
            `/images/${encodeURIComponent(container.image)}/json`,
          )
        ).body.Config?.User ||
        undefined;
      if (user && !/^(0|root)(:.*)?$/.test(user)) shareWithUser(rt);
      const cid = await createContainer(engine, body, containerOpts);
      created.push(cid);
      await engine.start(cid);
      const has = async (cmd: string) =>
        (await engine.exec(cid, { Cmd: ["sh", "-c", `command -v ${cmd}`], Env: [] }, () => {})) === 0;
      const shell = (await has("bash")) ? "bash" : "sh";
      // JavaScript actions: the image's own Node, else the mounted one (GitHub mounts its own at /__e).
      const node = (await has("node")) ? "node" : "/__e/node/bin/node";
      log(`Started the job container (${container.image}); run steps execute in it`);
      context.container = { id: cid, network: name };
      return {
        ok: true,
        value: {
          cleanup,
          container: { id: cid, network: name, shell, mounts, node, ...(user ? { user } : {}) },
          network: context,
        },
      };
    }
    return { ok: true, value: { cleanup, network: context } };
  } catch (err) {
    await cleanup();
    return { ok: false, error: errorMessage(err) };
  }
}
