/**
 * Which process executes a run that is not the runner's: an in-process `stax run` writes its pid
 * to `<dataDir>/running/<runId>` while it runs. A runner starting meanwhile must not take that
 * run for one a crash interrupted.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Store } from "./store.js";

const file = (dataDir: string, runId: string) => join(dataDir, "running", runId);

/** Records this process as the run's executor; the returned function releases it. */
export function claimRun(dataDir: string, runId: string): () => void {
  mkdirSync(join(dataDir, "running"), { recursive: true, mode: 0o700 });
  writeFileSync(file(dataDir, runId), String(process.pid), { mode: 0o600 });
  return () => rmSync(file(dataDir, runId), { force: true });
}

/** Whether another live process executes the run (a stale claim of a dead process is removed). */
export function runOwnedElsewhere(dataDir: string, runId: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(file(dataDir, runId), "utf8"));
  } catch {
    return false;
  }
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      // EPERM: alive, someone else's
      if ((err as NodeJS.ErrnoException).code === "EPERM") return true;
    }
  }
  rmSync(file(dataDir, runId), { force: true });
  return false;
}

/** A lease owner's name: what it is, and where and as which process it runs. */
export function ownerName(kind: string): string {
  return `${kind}:${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

/** Whether a lease owner may still be alive: on this host its process must exist; elsewhere the lease decides. */
export function ownerMayLive(owner: string): boolean {
  const [, host, pid] = owner.split(":");
  if (host !== hostname() || !/^\d+$/.test(pid ?? "")) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether a run that is not completed is still executed by someone: an in-process `stax run`
 * of this data folder, or a live lease (another front-end, or `stax run` on another machine).
 */
export async function runStillOwned(store: Store, dataDir: string, runId: string, now: Date): Promise<boolean> {
  if (runOwnedElsewhere(dataDir, runId)) return true;
  const owner = await store.queue.owner(runId, now);
  return owner !== undefined && ownerMayLive(owner);
}
