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
 * Re-run of failed jobs, as GitHub does it: the failed (or cancelled) legs and every job that
 * depends on their jobs run again; the legs of a matrix that succeeded keep their result (their
 * job runs only its failed legs), and every other job keeps its result and outputs from `run`, so
 * the jobs that need it still get them. With `only` (a job or leg id): that job or leg and every
 * job that needs it run again, the rest as above. Jobs of called workflows are not reused: a
 * caller's outputs are not kept per job, so a caller always runs again.
 */
export function rerunPlan(run: WorkflowRun, only?: string): { rerun: string[]; reuse: Reuse } {
  // Re-runs choose top-level jobs: a called workflow's job stands for the job that called it.
  const top = (j: Job) => j.callerId ?? j.definitionId;
  const chosen = run.jobs.filter((j) =>
    only === undefined ? j.conclusion === "failure" || j.conclusion === "cancelled" : j.id === only || top(j) === only,
  );
  const again = new Set(chosen.map(top));
  /** Jobs that run again because they need one that does: all their legs run. */
  const dependants = new Set<string>();
  for (let grew = true; grew;) {
    grew = false;
    for (const j of run.jobs) {
      if (!again.has(top(j)) && j.needs.some((n) => again.has(n))) {
        again.add(top(j));
        dependants.add(top(j));
        grew = true;
      }
    }
  }
  const byDef = new Map<string, Job[]>();
  for (const j of run.jobs) byDef.set(top(j), [...(byDef.get(top(j)) ?? []), j]);
  const jobs: Record<string, JobResult> = {};
  const legs: Record<string, JobResult> = {};
  const picked = new Set(chosen.map((j) => j.id));
  for (const [id, all] of byDef) {
    if (all.some((l) => l.callerId !== undefined || l.status !== "completed")) continue;
    if (!again.has(id))
      jobs[id] = aggregate(all.map((l) => ({ result: l.conclusion ?? "skipped", outputs: l.outputs ?? {} })));
    // A matrix job re-run for its own legs: the legs not chosen keep their result (GitHub re-runs only the failed legs).
    // With one leg chosen, its siblings keep theirs whatever it was (GitHub's "re-run this job" of a leg).
    else if (!dependants.has(id) && all.some((l) => l.matrix))
      for (const l of all)
        if (!picked.has(l.id) && (l.conclusion === "success" || (only !== undefined && l.conclusion)))
          legs[l.id] = { result: l.conclusion!, outputs: l.outputs ?? {} };
  }
  return {
    rerun: [...again],
    reuse: { runId: run.id, runNumber: run.number, jobs, ...(Object.keys(legs).length ? { legs } : {}) },
  };
}
