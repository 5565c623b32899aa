import pc from "picocolors";
import type { JobConclusion, Status, WorkflowRun } from "../contract/index.js";

/** `1.2s`, `340ms`, `2m 05s`. */
export function duration(startedAt?: string, completedAt?: string, now = Date.now()): string {
  if (!startedAt) return "";
  const ms = (completedAt ? Date.parse(completedAt) : now) - Date.parse(startedAt);
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
}

/** A one-character status mark, coloured. */
export function mark(status: Status, conclusion?: JobConclusion): string {
  if (status === "queued") return pc.dim("·");
  if (status === "in_progress") return pc.yellow("●");
  switch (conclusion) {
    case "success":
      return pc.green("✓");
    case "failure":
      return pc.red("✗");
    case "cancelled":
      return pc.magenta("⊘");
    default:
      return pc.dim("−");
  }
}

/** The closing summary: each job's conclusion and time, then the run's. */
export function summary(run: WorkflowRun): string {
  const width = Math.min(48, Math.max(8, ...run.jobs.map((j) => j.name.length)));
  const lines = [pc.bold("Summary")];
  for (const j of run.jobs) {
    lines.push(
      `  ${mark(j.status, j.conclusion)} ${j.name.padEnd(width)}  ${(j.conclusion ?? j.status).padEnd(9)} ${pc.dim(duration(j.startedAt, j.completedAt))}`,
    );
  }
  const c = run.conclusion ?? run.status;
  const colour = c === "success" ? pc.green : c === "failure" ? pc.red : pc.magenta;
  lines.push(
    `${colour(pc.bold(`Run ${run.number} (${run.id}) ${c}`))} in ${duration(run.startedAt, run.completedAt)}: ${run.workflow}`,
  );
  return lines.join("\n");
}
