import type { Job, WorkflowRun } from "../../contract/index.js";
import type { WorkflowDef } from "../../workflow/index.js";
import { aggregate } from "./needs.js";
import type { Reuse } from "../options.js";
import type { JobResult } from "../runtime.js";

/**
 * `--job`: the chosen jobs and every job they need (as act's `-j` does), in file order.
 * Unknown ids are ignored here; the CLI and API check them first.
 */
export function selectJobs(def: WorkflowDef, ids: string[] | undefined): WorkflowDef {
  if (!ids || ids.length === 0) return def;
  const byId = new Map(def.jobs.map((j) => [j.id.toLowerCase(), j]));
  const keep = new Set<string>();
  const add = (id: string): void => {
    const job = byId.get(id.toLowerCase());
    if (!job || keep.has(job.id)) return;
    keep.add(job.id);
    job.needs.forEach(add);
  };
  ids.forEach(add);
  return { ...def, jobs: def.jobs.filter((j) => keep.has(j.id)) };
}

/**
 * Re-run of failed jobs, as GitHub does it: the failed (or cancelled) jobs and every job that
 * depends on them run again; every other job keeps its result and outputs from `run`, so the
 * jobs that need it still get them. Jobs of called workflows are not reused: a caller's outputs
 * are not kept per job, so a caller always runs again.
 */
export function rerunPlan(run: WorkflowRun): { rerun: string[]; reuse: Reuse } {
  // Re-runs choose top-level jobs: a called workflow's job stands for the job that called it.
  const top = (j: Job) => j.callerId ?? j.definitionId;
  const again = new Set(run.jobs.filter((j) => j.conclusion === "failure" || j.conclusion === "cancelled").map(top));
  for (let grew = true; grew; ) {
    grew = false;
    for (const j of run.jobs) {
      if (!again.has(top(j)) && j.needs.some((n) => again.has(n))) {
        again.add(top(j));
        grew = true;
      }
    }
  }
  const byDef = new Map<string, Job[]>();
  for (const j of run.jobs) byDef.set(top(j), [...(byDef.get(top(j)) ?? []), j]);
  const jobs: Record<string, JobResult> = {};
  for (const [id, legs] of byDef) {
    if (again.has(id) || legs.some((l) => l.callerId !== undefined || l.status !== "completed")) continue;
    jobs[id] = aggregate(legs.map((l) => ({ result: l.conclusion ?? "skipped", outputs: l.outputs ?? {} })));
  }
  return { rerun: [...again], reuse: { runId: run.id, runNumber: run.number, jobs } };
}
