/**
 * Step processes must not outlive the runner. Each step runs in its own process group (see
 * engine/io/process.ts); while it runs, `<dataDir>/pgroups/<runId>.<pgid>` records the group with
 * its leader's start time. A runner that dies (kill -9) cannot clean up, so the next start kills
 * every recorded group still alive — checking the start time, so a recycled pid is never hit —
 * and every process still carrying the job's RUNNER_TRACKING_ID (what moved to a session or group
 * of its own), except those of runs an in-process `stax run` still executes.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { killTracked, processStartTime as startTime, type ProcessRecorder } from "../engine/index.js";

const dir = (dataDir: string) => join(dataDir, "pgroups");

/** Records the process groups of one run's steps in the data folder while they run. */
export function processRecorder(dataDir: string, runId: string): ProcessRecorder {
  mkdirSync(dir(dataDir), { recursive: true, mode: 0o700 });
  const file = (pid: number) => join(dir(dataDir), `${runId}.${pid}`);
  return {
    started(pid, trackingId) {
      writeFileSync(file(pid), `${startTime(pid)}\n${trackingId}`, { mode: 0o600 });
    },
    ended(pid) {
      rmSync(file(pid), { force: true });
    },
    jobStarted(trackingId) {
      writeFileSync(join(dir(dataDir), `${runId}.${trackingId}`), "", { mode: 0o600 });
    },
    jobEnded(trackingId) {
      rmSync(join(dir(dataDir), `${runId}.${trackingId}`), { force: true });
    },
  };
}

/** Kills the recorded process groups a dead runner (or `stax run`) left, and forgets them. */
export async function reapProcessGroups(
  dataDir: string,
  stillOwned: (runId: string) => boolean | Promise<boolean>,
): Promise<number> {
  let names: string[];
  try {
    names = readdirSync(dir(dataDir));
  } catch {
    return 0;
  }
  let killed = 0;
  for (const name of names) {
    // A job's mark: whatever still carries it is the job's, a step's process group recorded or not
    // (a crash right after a spawn may come before the group's record).
    const job = /^([A-Za-z0-9_-]+)\.(stax_[0-9a-f-]+)$/.exec(name);
    if (job) {
      if (await stillOwned(job[1])) continue;
      killed += (await killTracked(job[2])).stopped;
      rmSync(join(dir(dataDir), name), { force: true });
      continue;
    }
    const m = /^([A-Za-z0-9_-]+)\.(\d+)$/.exec(name);
    if (!m) continue;
    if (await stillOwned(m[1])) continue;
    const pid = Number(m[2]);
    let recorded = "";
    let trackingId = "";
    try {
      [recorded = "", trackingId = ""] = readFileSync(join(dir(dataDir), name), "utf8")
        .trim()
        .split("\n");
    } catch {
      // gone meanwhile
    }
    // The leader may have exited while its children live on; a live leader must be the same process.
    const now = startTime(pid);
    const same = now === "" || recorded === "" || now === recorded;
    if (same) {
      try {
        process.kill(-pid, "SIGKILL");
        killed++;
      } catch {
        // the group is gone
      }
    }
    if (trackingId) killed += (await killTracked(trackingId)).stopped;
    rmSync(join(dir(dataDir), name), { force: true });
  }
  return killed;
}
