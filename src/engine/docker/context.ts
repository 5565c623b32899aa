/**
 * What the engine knows about Docker for a run: whether an engine answers (asked once), and how
 * a step's environment looks inside a container (host-only variables dropped, host paths mapped).
 */
import { describeAddress, type DockerEngine } from "./engine.js";
import type { Result } from "../../contract/index.js";

/** What `dockerFor` reads (a run's `JobServices`, one object per run): its Docker engine, if any; the answer is kept per holder. */
export interface DockerHolder {
  docker?: DockerEngine;
}

const answers = new WeakMap<DockerHolder, Promise<boolean>>();

/** The engine when one answers, else the one clear message naming what needs it. */
export async function dockerFor(holder: DockerHolder, what: string): Promise<Result<DockerEngine>> {
  const engine = holder.docker;
  if (engine) {
    let ok = answers.get(holder);
    if (!ok) answers.set(holder, (ok = engine.ping()));
    if (await ok) return { ok: true, value: engine };
  }
  const where = engine ? describeAddress(engine.address) : "/var/run/docker.sock";
  return {
    ok: false,
    error: `${what} needs a Docker engine; none answers at ${where} (start Docker or set DOCKER_HOST)`,
  };
}

export interface Mount {
  host: string;
  container: string;
}

/** A host path as a container sees it through `mounts` (the longest mount that holds it); others unchanged. */
export function inContainer(mounts: Mount[], path: string): string {
  const m = [...mounts]
    .sort((a, b) => b.host.length - a.host.length)
    .find((m) => path === m.host || path.startsWith(`${m.host}/`));
  return m ? m.container + path.slice(m.host.length) : path;
}

/** A container path as the host sees it through `mounts` (e.g. `${{ github.workspace }}` given to a step that runs on the host); others unchanged. */
export function onHost(mounts: Mount[], path: string): string {
  const m = [...mounts]
    .sort((a, b) => b.container.length - a.container.length)
    .find((m) => path === m.container || path.startsWith(`${m.container}/`));
  return m ? m.host + path.slice(m.container.length) : path;
}

/** `KEY=value` entries for a container: the step's env without what came from the host, host paths mapped. */
export function containerEnv(
  env: Record<string, string>,
  hostEnv: Record<string, string | undefined>,
  mounts: Mount[],
  extra: Record<string, string> = {},
): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries({ ...env, ...extra })) {
    if (k === "PATH" || (hostEnv[k] === v && !(k in extra))) continue;
    out.push(`${k}=${inContainer(mounts, v)}`);
  }
  return out;
}
