import type { JobConclusion } from "../../contract/index.js";
import type { JobDef } from "../../workflow/index.js";
import type { GraphScope, JobResult } from "../runtime.js";

/** The job a `needs` entry names: job ids are case-insensitive. */
export function jobDefOf(defs: JobDef[], id: string): JobDef | undefined {
  return defs.find((d) => d.id.toLowerCase() === id.toLowerCase());
}

/** The result of the job `id` names in this workflow, once it finished. */
export function resultOf(graph: GraphScope, results: Map<string, JobResult>, id: string): JobResult | undefined {
  return results.get(jobDefOf(graph.def.jobs, id)?.id ?? id);
}

/** The `needs` context of a job (JOB-03): each needed job's result and outputs, keyed as the job names them; skipped when it has none. */
export function needsOf(graph: GraphScope, def: JobDef, results: Map<string, JobResult>): Record<string, JobResult> {
  return Object.fromEntries(
    def.needs.map((n) => [n, resultOf(graph, results, n) ?? { result: "skipped", outputs: {} }]),
  );
}

/** JOB-06: a matrix's or a called workflow's jobs folded into one result for `needs`. */
export function aggregate(results: JobResult[]): JobResult {
  const order: JobConclusion[] = ["failure", "cancelled", "success", "skipped"];
  const result = order.find((c) => results.some((r) => r.result === c)) ?? "skipped";
  const outputs: Record<string, string> = {};
  // JOB-10: legs merge, the last to finish wins, empty values never overwrite.
  for (const r of results) for (const [k, v] of Object.entries(r.outputs)) if (v !== "") outputs[k] = v;
  return { result, outputs };
}
