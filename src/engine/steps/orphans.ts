import { describeOrphans, killTracked, newTrackingId, trackingStarted } from "../io/orphans.js";

/** A mark for a job's processes, registered so a process that exits at once can still kill them. */
export function jobTrackingId(): string {
  const id = newTrackingId();
  trackingStarted(id);
  return id;
}

/**
 * "Cleaning up orphan processes", as GitHub's runner does when a job ends: every process still
 * carrying the job's mark is killed, and one line says how many. Nothing is logged when none was left.
 */
export async function cleanUpOrphans(trackingId: string, log: (line: string) => void): Promise<void> {
  const report = await killTracked(trackingId);
  if (report.stopped)
    log(`Cleaning up orphan processes: stopped ${describeOrphans(report)} that this job's steps left running`);
}
