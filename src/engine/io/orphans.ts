import { randomUUID } from "node:crypto";
import { closeSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";

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
  const marks = [Buffer.from(`${TRACKING_VAR}=${id}`)];
  const killed = new Set<number>();
  for (let round = 0; round < 10; round++) {
    const found = await scan(marks);
    if (!found && round === 0) return { ...report, supported: false };
    if (!found?.length) break;
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

/** Processes scanned between two turns of the event loop: a few milliseconds of reads. */
const SCAN_BATCH = 256;

/**
 * The processes (but this one) whose environment holds one of `marks` (`NAME=value`); undefined
 * when the machine has no /proc. Read synchronously into one buffer, in batches: a job's end
 * reads every process's environment, and with a promise, a file handle and a buffer each that
 * cost 50–100 µs of CPU a process (10–25 ms a job on a machine running a fleet), against some
 * 10 µs this way.
 */
async function scan(marks: Buffer[]): Promise<number[] | undefined> {
  let pids: string[];
  try {
    pids = readdirSync("/proc");
  } catch {
    return undefined; // no /proc: not Linux
  }
  const found: number[] = [];
  for (let i = 0; i < pids.length; i += SCAN_BATCH) {
    if (i > 0) await new Promise((r) => setImmediate(r));
    for (const p of pids.slice(i, i + SCAN_BATCH))
      if (/^\d+$/.test(p) && Number(p) !== process.pid && carries(p, marks)) found.push(Number(p));
  }
  return found;
}

let environBuffer = Buffer.allocUnsafe(64 * 1024);

/** Whether a process's environment (as it was at exec) holds a whole `NAME=value` entry of `marks`; a zombie's reads empty. */
function carries(pid: string, marks: Buffer[]): boolean {
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/environ`, "r");
  } catch {
    return false; // gone, or another user's
  }
  let len = 0;
  try {
    for (let n; (n = readSync(fd, environBuffer, len, environBuffer.length - len, null)) > 0;) {
      len += n;
      // A larger environment (up to the kernel's limit for exec's arguments): a larger buffer, kept.
      if (len === environBuffer.length) {
        const larger = Buffer.allocUnsafe(environBuffer.length * 2);
        environBuffer.copy(larger);
        environBuffer = larger;
      }
    }
  } catch {
    return false; // gone meanwhile
  } finally {
    closeSync(fd);
  }
  const env = environBuffer.subarray(0, len);
  return marks.some((mark) => {
    // Entries are NUL-separated: a match must start one and end one.
    for (let at = env.indexOf(mark); at >= 0; at = env.indexOf(mark, at + 1))
      if ((at === 0 || env[at - 1] === 0) && (at + mark.length === len || env[at + mark.length] === 0)) return true;
    return false;
  });
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
  const marks = [...live].map((id) => Buffer.from(`${TRACKING_VAR}=${id}`));
  let n = 0;
  for (const p of pids) {
    if (!carries(p, marks)) continue;
    try {
      process.kill(Number(p), "SIGKILL");
      n++;
    } catch {
      // gone meanwhile
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
