import { formatRunLog, type WorkflowRun } from "../contract/index.js";
import type { LogStore } from "./store.js";

/** What goes before a line with `timestamps`: its stored time in UTC as GitHub's raw logs have it, or room for one. */
const stamp = (t: number | undefined) => (t === undefined ? " ".repeat(25) : `${new Date(t).toISOString()} `);

/**
 * A run's log as text (`GET /api/runs/:id/logs`, `stax log`), read in one pass over the store.
 * With `timestamps`, each line starts with the time it was stored (blank for lines of an older store).
 */
export async function runLogText(
  logs: LogStore,
  run: WorkflowRun,
  only: { job?: string; step?: number; timestamps?: boolean } = {},
): Promise<string> {
  const byStep = new Map<string, string[]>();
  for (const l of await logs.all(run.id, only.job, only.step)) {
    const key = `${l.jobId}\0${l.stepNumber}`;
    const line = only.timestamps ? stamp(l.t) + l.line : l.line;
    const list = byStep.get(key);
    if (list) list.push(line);
    else byStep.set(key, [line]);
  }
  return formatRunLog(run, (jobId, n) => byStep.get(`${jobId}\0${n}`) ?? [], only);
}
