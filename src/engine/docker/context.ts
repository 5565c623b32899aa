/**
 * What the engine knows about Docker for a run: whether an engine answers (asked once), and how
 * a step's environment looks inside a container (host-only variables dropped, host paths mapped).
 */
import type { RunRuntime } from "../runtime.js";
import { describeAddress, type DockerEngine } from "./engine.js";

const answers = new WeakMap<RunRuntime, Promise<boolean>>();

/** The engine when one answers, else the one clear message naming what needs it. */
export async function dockerFor(run: RunRuntime, what: string): Promise<{ engine: DockerEngine } | { error: string }> {
  const engine = run.opts.docker;
  if (engine) {
    let ok = answers.get(run);
    if (!ok) answers.set(run, (ok = engine.ping()));
    if (await ok) return { engine };
  }
  const where = engine ? describeAddress(engine.address) : "/var/run/docker.sock";
  return { error: `${what} needs a Docker engine; none answers at ${where} (start Docker or set DOCKER_HOST)` };
}

export interface Mount {
  host: string;
  container: string;
}

/** `KEY=value` entries for a container: the step's env without what came from the host, host paths mapped. */
export function containerEnv(env: Record<string, string>, hostEnv: Record<string, string | undefined>, mounts: Mount[], extra: Record<string, string> = {}): string[] {
  const sorted = [...mounts].sort((a, b) => b.host.length - a.host.length);
  const map = (v: string) => {
    for (const m of sorted) if (v === m.host || v.startsWith(`${m.host}/`)) return m.container + v.slice(m.host.length);
    return v;
  };
  const out: string[] = [];
  for (const [k, v] of Object.entries({ ...env, ...extra })) {
    if (k === "PATH" || (hostEnv[k] === v && !(k in extra))) continue;
    out.push(`${k}=${map(v)}`);
  }
  return out;
}
