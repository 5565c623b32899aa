import type { WorkflowDef } from "../workflow/index.js";

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
