import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";

/**
 * GitHub's runner marks every process of a job with this variable and, when the job ends, kills
 * the processes that still carry it ("Cleaning up orphan processes"). The mark is inherited
 * through `setsid`, double forks and new process groups, which signalling a step's process group
 * never reaches. A process that clears its environment (`env -i`, or `RUNNER_TRACKING_ID= cmd`,
 * the documented way out on GitHub) is not found, as on GitHub.
 */
export const TRACKING_VAR = "RUNNER_TRACKING_ID";

/** A new job's mark (GitHub's are `github_<guid>`). */
export function newTrackingId(): string {
  return `stax_${randomUUID()}`;
}

/** Tracking ids of the jobs running in this process, for the last-resort kill of a process that exits at once. */
const live = new Set<string>();

export function trackingStarted(id: string): void {
  live.add(id);
}

/** What the job's end found: the processes stopped by their command names, or that the machine cannot tell (no /proc). */
export interface OrphanReport {
  stopped: number;
  names: Map<string, number>;
  supported: boolean;
}

/**
 * Kills (SIGKILL) every process of this machine whose environment carries `id`, again until a
 * scan finds none (a process may fork while it is being killed), at most 10 scans. Linux only:
 * elsewhere it reports `supported: false` and the job's process groups are all that is signalled.
 */
export async function killTracked(id: string): Promise<OrphanReport> {
  live.delete(id);
  const report: OrphanReport = { stopped: 0, names: new Map(), supported: true };
  let pids: string[];
  try {
    pids = await readdir("/proc");
  } catch {
    return { ...report, supported: false };
  }
  const mark = Buffer.from(`\0${TRACKING_VAR}=${id}\0`);
  const killed = new Set<number>();
  for (let round = 0; round < 10; round++) {
    if (round > 0) pids = await readdir("/proc").catch(() => []);
    const found: number[] = [];
    for (let i = 0; i < pids.length; i += 64) {
      const batch = pids.slice(i, i + 64).filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
      const marked = await Promise.all(batch.map(async (p) => ((await carries(p, mark)) ? Number(p) : 0)));
      found.push(...marked.filter((p) => p > 0));
    }
    if (!found.length) break;
    for (const pid of found) {
      const name = commandName(pid);
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        continue; // gone meanwhile
      }
      if (!killed.has(pid)) {
        killed.add(pid);
        report.names.set(name, (report.names.get(name) ?? 0) + 1);
      }
    }
  }
  report.stopped = killed.size;
  return report;
}

/** Whether a process's environment (as it was at exec) holds the mark; a zombie's reads empty. */
async function carries(pid: string, mark: Buffer): Promise<boolean> {
  try {
    const env = await readFile(`/proc/${pid}/environ`);
    return env.length > 0 && Buffer.concat([Buffer.from([0]), env, Buffer.from([0])]).includes(mark);
  } catch {
    return false; // gone, or another user's
  }
}

function commandName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim() || "?";
  } catch {
    return "?";
  }
}

/**
 * The same for every job still running in this process, synchronously: for a process about to
 * exit without letting its jobs end (a second Ctrl-C or SIGTERM). Returns how many it killed.
 */
export function killAllTrackedSync(): number {
  if (!live.size) return 0;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  } catch {
    return 0;
  }
  const marks = [...live].map((id) => Buffer.from(`\0${TRACKING_VAR}=${id}\0`));
  let n = 0;
  for (const p of pids) {
    try {
      const env = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${p}/environ`), Buffer.from([0])]);
      if (!marks.some((m) => env.includes(m))) continue;
      process.kill(Number(p), "SIGKILL");
      n++;
    } catch {
      // gone, or another user's
    }
  }
  return n;
}

/** "150 (sleep: 150)" / "3 (sleep: 2, node: 1)": the log line's count. */
export function describeOrphans(report: OrphanReport): string {
  const names = [...report.names]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([name, n]) => `${name}: ${n}`);
  return `${report.stopped} (${names.join(", ")}${report.names.size > 5 ? ", …" : ""})`;
}
