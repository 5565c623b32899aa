import { formatRunLog, type WorkflowRun } from "../contract/index.js";
import type { LogStore } from "./store.js";

/** A run's log as text (`GET /api/runs/:id/logs`, `stax log`), read in one pass over the store. */
export async function runLogText(logs: LogStore, run: WorkflowRun, only: { job?: string; step?: number } = {}): Promise<string> {
  const byStep = new Map<string, string[]>();
  for (const l of await logs.all(run.id, only.job, only.step)) {
    const key = `${l.jobId}\0${l.stepNumber}`;
    const list = byStep.get(key);
    if (list) list.push(l.line);
    else byStep.set(key, [l.line]);
  }
  return formatRunLog(run, (jobId, n) => byStep.get(`${jobId}\0${n}`) ?? [], only);
}
