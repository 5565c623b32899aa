import { readFileSync } from "node:fs";

/**
 * A process's start time (clock ticks since boot, /proc/<pid>/stat field 22); "" where /proc is
 * absent. With the pid it names one process for good: a recycled pid has another start time.
 */
export function processStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "";
  } catch {
    return "";
  }
}
