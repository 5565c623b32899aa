import type { WorkflowRun } from "../../contract/index.js";
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

/** A job's definition id from a run's job id: `test (a, b)` → `test`, `call / work` → `call`. */
export function defIdOf(jobId: string): string {
  return jobId.split(" / ")[0].replace(/ \(.*\)$/, "");
}

/**
 * Re-run of failed jobs, as GitHub does it: the failed (or cancelled) jobs and every job that
 * depends on them run again; every other job keeps its result and outputs from `run`, so the
 * jobs that need it still get them. Jobs of called workflows (`call / …`) are not reused: a
 * caller's outputs are not kept per job, so a caller always runs again.
 */
export function rerunPlan(run: WorkflowRun): { rerun: string[]; reuse: Reuse } {
  const again = new Set(run.jobs.filter((j) => j.conclusion === "failure" || j.conclusion === "cancelled").map((j) => defIdOf(j.id)));
  for (let grew = true; grew; ) {
    grew = false;
    for (const j of run.jobs) {
      const id = defIdOf(j.id);
      if (!again.has(id) && j.needs.some((n) => again.has(defIdOf(n)))) {
        again.add(id);
        grew = true;
      }
    }
  }
  const byDef = new Map<string, WorkflowRun["jobs"]>();
  for (const j of run.jobs) byDef.set(defIdOf(j.id), [...(byDef.get(defIdOf(j.id)) ?? []), j]);
  const jobs: Record<string, JobResult> = {};
  for (const [id, legs] of byDef) {
    if (again.has(id) || legs.some((l) => l.id.includes(" / ") || l.status !== "completed")) continue;
    jobs[id] = aggregate(legs.map((l) => ({ result: l.conclusion ?? "skipped", outputs: l.outputs ?? {} })));
  }
  return { rerun: [...again], reuse: { runId: run.id, runNumber: run.number, jobs } };
}
