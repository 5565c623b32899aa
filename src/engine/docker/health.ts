/**
 * A started container as GitHub's runner sees it before the job's steps: its published ports
 * (`job.services.<id>.ports`), and, when it has a health check (`--health-cmd` in its options or
 * a HEALTHCHECK in its image), its wait until the engine says `healthy`. One that the engine
 * marks `unhealthy`, or that stops before it is healthy, fails the job with its last health
 * output (or its log).
 */
import type { DockerEngine } from "./engine.js";

interface Inspected {
  State?: {
    Running?: boolean;
    ExitCode?: number;
    Health?: { Status?: string; Log?: { ExitCode: number; Output: string }[] };
  };
  NetworkSettings?: { Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> };
}

export const inspect = async (engine: DockerEngine, id: string): Promise<Inspected> =>
  (await engine.call<Inspected>("GET", `/containers/${id}/json`)).body;

/** `{ "5432": "49153" }`: each published container port (without `/tcp`, as GitHub keys them) and its host port. */
export function publishedPorts(info: Inspected): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, bindings] of Object.entries(info.NetworkSettings?.Ports ?? {})) {
    const host = bindings?.find((b) => b.HostPort)?.HostPort;
    if (host) out[key.replace(/\/tcp$/, "")] = host;
  }
  return out;
}

/**
 * Waits until the container is healthy (or has no health check). Throws with the last health
 * output when it turns unhealthy or exits, and when `stop` says the job was cancelled.
 */
export async function waitHealthy(
  engine: DockerEngine,
  id: string,
  what: string,
  log: (l: string) => void,
  stop: () => boolean,
): Promise<void> {
  let said = false;
  for (let delay = 200; ; delay = Math.min(delay * 2, 2000)) {
    const info = await inspect(engine, id);
    const health = info.State?.Health;
    // As GitHub's runner: a container without a health check is not waited for, even one that exited.
    if (!health?.Status || health.Status === "none" || health.Status === "healthy") {
      if (said) log(`${what} is healthy`);
      return;
    }
    if (!info.State?.Running) {
      const output = await containerLog(engine, id);
      throw new Error(
        `${what} stopped (exit code ${info.State?.ExitCode ?? "?"}) before it was healthy${output ? `; its output:\n${output}` : ""}`,
      );
    }
    if (health.Status === "unhealthy") {
      const last = health.Log?.at(-1);
      throw new Error(
        `${what} is unhealthy: its health check failed${last ? ` (exit code ${last.ExitCode}): ${last.Output.trim() || "(no output)"}` : ""}`,
      );
    }
    if (!said) log(`Waiting for ${what} to be healthy`);
    said = true;
    if (stop()) throw new Error(`the job was cancelled while waiting for ${what} to be healthy`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** The last lines of a stopped container's output, for the message of one that stopped. */
async function containerLog(engine: DockerEngine, id: string): Promise<string> {
  let text = "";
  try {
    await engine.follow(id, (t) => (text += t));
  } catch {
    // no output to show
  }
  return text.trim().split("\n").slice(-20).join("\n");
}
