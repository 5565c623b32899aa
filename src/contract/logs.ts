import type { WorkflowRun } from "./model.js";

/**
 * The plain-text log of a run (`GET /api/runs/:id/logs`, `stax log`): `=== Job: <name> (<id>) ===`,
 * then `--- Step <n>: <name> [<conclusion>] ---` and the step's lines. `linesOf` gives a step's lines.
 */
export function formatRunLog(run: WorkflowRun, linesOf: (jobId: string, step: number) => string[], only: { job?: string; step?: number } = {}): string {
  let text = "";
  for (const j of run.jobs) {
    if (only.job && j.id !== only.job) continue;
    text += `=== Job: ${j.name} (${j.id}) ===\n`;
    for (const s of j.steps) {
      if (only.step && s.number !== only.step) continue;
      text += `--- Step ${s.number}: ${s.name} [${s.conclusion ?? s.status}] ---\n`;
      for (const line of linesOf(j.id, s.number)) text += line;
    }
  }
  return text;
}
