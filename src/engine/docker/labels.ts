/**
 * Labels on every container and network stax creates, so none outlives its owner: `stax.owner`
 * names the stax process (host, pid and the pid's start time, so a recycled pid is never taken
 * for the owner), `stax.run` and `stax.job` the run and job leg. A stax process that dies without
 * cleaning up (kill -9) leaves them; the next stax process to start on this machine removes those
 * whose owner is gone (`reapDeadOwners`), as it kills the step processes such a death left.
 */
import { hostname } from "node:os";
import type { DockerEngine } from "./engine.js";
import { processStartTime as startTime } from "../io/proc.js";

export const OWNER_LABEL = "stax.owner";
export const RUN_LABEL = "stax.run";
export const JOB_LABEL = "stax.job";

let self: string | undefined;

/** This process as an owner: `<host>/<pid>/<start time>`. */
export function processOwner(): string {
  return (self ??= `${hostname()}/${process.pid}/${startTime(process.pid)}`);
}

/** Whether an owner may still be alive; another machine's owner is not ours to judge, so it may. */
export function ownerAlive(owner: string): boolean {
  const [host, pid, start] = owner.split("/");
  if (host !== hostname() || !/^\d+$/.test(pid ?? "")) return true;
  try {
    process.kill(Number(pid), 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const now = startTime(Number(pid));
  return !start || !now || now === start;
}

/** The labels of what a job leg creates. */
export const ownedLabels = (runId: string, jobId: string): Record<string, string> => ({
  [OWNER_LABEL]: processOwner(),
  [RUN_LABEL]: runId,
  [JOB_LABEL]: jobId,
});

interface Labelled {
  Id?: string;
  Name?: string;
  Labels?: Record<string, string> | null;
}

const ownerFilter = encodeURIComponent(JSON.stringify({ label: [OWNER_LABEL] }));

/**
 * Removes the containers, then the networks and volumes, whose owner is dead; what it removed,
 * by kind. Quiet when no engine answers: a machine without Docker has nothing to reap.
 */
export async function reapDeadOwners(
  engine: DockerEngine,
): Promise<{ containers: number; networks: number; volumes: number }> {
  const out = { containers: 0, networks: 0, volumes: 0 };
  if (!(await engine.ping())) return out;
  const dead = (x: Labelled) => !ownerAlive(x.Labels?.[OWNER_LABEL] ?? "");
  const list = async <T>(path: string): Promise<T> => (await engine.call<T>("GET", path)).body;
  try {
    for (const c of (await list<Labelled[]>(`/containers/json?all=true&filters=${ownerFilter}`)).filter(dead)) {
      await engine.remove(c.Id!);
      out.containers++;
    }
    for (const n of (await list<Labelled[]>(`/networks?filters=${ownerFilter}`)).filter(dead)) {
      await engine.removeNetwork(n.Id!);
      out.networks++;
    }
    for (const v of (
      (await list<{ Volumes: Labelled[] | null }>(`/volumes?filters=${ownerFilter}`)).Volumes ?? []
    ).filter(dead)) {
      await engine.call("DELETE", `/volumes/${encodeURIComponent(v.Name!)}?force=true`).catch(() => undefined);
      out.volumes++;
    }
  } catch {
    // an engine that stops answering midway: the next start tries again
  }
  return out;
}
