import pc from "picocolors";
import { planJobs, type PlannedJob } from "../engine/index.js";
import type { RunPlan } from "./run-plan.js";

/** The jobs of a plan as known before running (matrices that need other jobs' outputs stay `dynamic`). */
export function plannedJobs(p: RunPlan): PlannedJob[] {
  return planJobs(p.workflow.definition!, {
    github: { event_name: p.event },
    vars: p.vars,
    inputs: p.inputs,
    matrix: p.matrix,
    jobs: p.jobs,
  });
}

function legCount(j: PlannedJob): string {
  if (j.legs === undefined) return "1";
  if (j.legs === "dynamic") return "matrix decided at run time";
  return j.totalLegs !== undefined && j.totalLegs !== j.legs.length
    ? `${j.legs.length} of ${j.totalLegs}`
    : String(j.legs.length);
}

const header = (p: RunPlan): string => `${pc.bold(p.workflow.name)} ${pc.dim(`(${p.workflow.relPath})`)} on ${p.event}`;

/** `stax run --list`: per workflow, each job with its stage, needs and matrix leg count. */
export function listText(plans: RunPlan[]): string {
  const out: string[] = [];
  for (const p of plans) {
    const jobs = plannedJobs(p);
    out.push(header(p));
    const rows = [
      ["stage", "job", "name", "needs", "legs"],
      ...jobs.map((j) => [String(j.stage), j.id, j.name, j.needs.join(", ") || "-", legCount(j)]),
    ];
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    for (const [i, r] of rows.entries()) {
      const line = `  ${r.map((cell, c) => cell.padEnd(widths[c])).join("  ")}`.trimEnd();
      out.push(i === 0 ? pc.dim(line) : line);
    }
  }
  return out.join("\n");
}

/** `stax run --dry-run`: jobs by stage with their legs and steps in order; nothing runs. */
export function dryRunText(plans: RunPlan[]): string {
  const out: string[] = [];
  for (const p of plans) {
    const jobs = plannedJobs(p);
    out.push(`${header(p)}: ${jobs.length} job(s), nothing executed`);
    for (const j of jobs) {
      const needs = j.needs.length ? ` needs ${j.needs.join(", ")}` : "";
      const legs = Array.isArray(j.legs)
        ? `, ${j.legs.length} leg(s): ${j.legs.join("; ")}`
        : j.legs === "dynamic"
          ? ", matrix decided at run time"
          : "";
      out.push(`  [stage ${j.stage}] ${pc.bold(j.id)}${j.name !== j.id ? ` "${j.name}"` : ""}${needs}${legs}`);
      if (j.uses) out.push(`      calls ${j.uses}`);
      j.steps.forEach((s, i) => out.push(`      ${i + 1}. ${s.name} ${pc.dim(`— ${s.runs}`)}`));
    }
  }
  return out.join("\n");
}

/** `stax run --graph`: each stage a row of boxed jobs, arrows between stages, needs under the box. */
export function graphText(plans: RunPlan[]): string {
  const out: string[] = [];
  for (const p of plans) {
    out.push(header(p));
    const jobs = plannedJobs(p);
    const stages = [...new Set(jobs.map((j) => j.stage))].sort((a, b) => a - b);
    for (const [i, s] of stages.entries()) {
      if (i > 0) out.push("   │", "   ▼");
      const boxes = jobs.filter((j) => j.stage === s).map((j) => box(j));
      const height = Math.max(...boxes.map((b) => b.length));
      for (let row = 0; row < height; row++)
        out.push(
          boxes
            .map((b) => b[row] ?? "".padEnd(b[0].length))
            .join(" ")
            .trimEnd(),
        );
    }
  }
  return out.join("\n");
}

function box(j: PlannedJob): string[] {
  const legs = legCount(j);
  const lines = [j.id, ...(legs !== "1" ? [`× ${legs}`] : []), ...(j.needs.length ? [`← ${j.needs.join(", ")}`] : [])];
  const w = Math.max(...lines.map((l) => l.length));
  return [`╭${"─".repeat(w + 2)}╮`, ...lines.map((l) => `│ ${l.padEnd(w)} │`), `╰${"─".repeat(w + 2)}╯`];
}
