/**
 * Which process executes a run that is not the runner's: an in-process `stax run` writes its pid
 * to `<dataDir>/running/<runId>` while it runs. A runner starting meanwhile must not take that
 * run for one a crash interrupted.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

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
