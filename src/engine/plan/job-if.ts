import { needsOf, resultOf } from "./needs.js";
import { evaluateCondition, type ExtraFunctions } from "../../expressions/index.js";
import type { JobDef } from "../../workflow/index.js";
import type { GraphScope, JobResult, RunRuntime } from "../runtime.js";

/** Every job `def` depends on, directly or not. */
export function ancestors(def: JobDef, defs: JobDef[]): string[] {
  const byId = new Map(defs.map((d) => [d.id.toLowerCase(), d]));
  const seen = new Set<string>();
  const visit = (d: JobDef): void => {
    for (const n of d.needs) {
      const target = byId.get(n.toLowerCase());
      if (target && !seen.has(target.id)) {
        seen.add(target.id);
        visit(target);
      }
    }
  };
  visit(def);
  return [...seen];
}

/**
 * JOB-04/05: a job's `if` with job-level status functions: success() when every upstream job
 * succeeded (a failed or skipped one makes it false), failure() when any failed, both over
 * the given job ids when called with arguments; cancelled() when the run was cancelled.
 */
export function jobCondition(
  run: RunRuntime,
  graph: GraphScope,
  def: JobDef,
  results: Map<string, JobResult>,
): boolean {
  const upstream = ancestors(def, graph.def.jobs);
  const pick = (ids: string[]) => (ids.length ? ids : upstream).map((id) => resultOf(graph, results, id)?.result);
  const fns: ExtraFunctions = {
    success: (...ids) => !run.flags.cancelled && pick(ids).every((r) => r === "success"),
    failure: (...ids) => !run.flags.cancelled && pick(ids).some((r) => r === "failure"),
    cancelled: () => run.flags.cancelled,
    always: () => true,
  };
  return evaluateCondition(
    def.if,
    { github: run.github, vars: run.vars, inputs: graph.inputs, needs: needsOf(graph, def, results) },
    fns,
  );
}
