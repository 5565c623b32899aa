import { evaluateToken } from "../../expressions/index.js";
import { isBasicExpression, literalString, type JobDef, type WorkflowDef } from "../../workflow/index.js";
import { expandMatrix, legName, legSelected } from "./matrix.js";
import { selectJobs } from "./select.js";
import { staticStepName } from "../steps/step-names.js";

/** One job as planned before running: what `stax run --list`, `--dry-run` and `--graph` show. */
export interface PlannedJob {
  id: string;
  name: string;
  needs: string[];
  /** 0 for jobs that need nothing, else one more than the deepest job they need. */
  stage: number;
  /** Leg names after `--matrix`; undefined without a matrix; `dynamic` when it needs other jobs' outputs. */
  legs?: string[] | "dynamic";
  /** The matrix's leg count before `--matrix` picked some. */
  totalLegs?: number;
  /** A reusable workflow call. */
  uses?: string;
  /** Steps in order: display name and what runs (`run:` first line or `uses:`). */
  steps: { name: string; runs: string }[];
}

/** What is known before running: the contexts a job's `strategy` may use (MAT-12) but `needs`. */
export interface PlanContext {
  github?: Record<string, unknown>;
  vars?: Record<string, string>;
  inputs?: Record<string, unknown>;
  matrix?: Record<string, string[]>;
  jobs?: string[];
}

/**
 * The jobs of a workflow in run order (stages by `needs`), with matrix legs expanded when the
 * strategy can be evaluated before running and steps as they will be named. Executes nothing.
 */
export function planJobs(def: WorkflowDef, ctx: PlanContext): PlannedJob[] {
  const jobs = selectJobs(def, ctx.jobs).jobs;
  const byId = new Map(jobs.map((j) => [j.id.toLowerCase(), j]));
  const stages = new Map<string, number>();
  const stageOf = (j: JobDef): number => {
    const known = stages.get(j.id);
    if (known !== undefined) return known;
    stages.set(j.id, 0); // needs are checked acyclic at load; this only guards the recursion
    const s =
      Math.max(-1, ...j.needs.map((n) => (byId.get(n.toLowerCase()) ? stageOf(byId.get(n.toLowerCase())!) : -1))) + 1;
    stages.set(j.id, s);
    return s;
  };
  const planned = jobs.map((j): PlannedJob => {
    const base = {
      id: j.id,
      name: literalString(j.name) ?? j.id,
      needs: j.needs,
      stage: stageOf(j),
      ...(j.uses ? { uses: j.uses } : {}),
    };
    const steps = j.steps.map((s) => ({
      name: staticStepName(s),
      runs: s.uses
        ? `uses: ${s.uses}`
        : `run: ${firstLine(literalString(s.run) ?? (s.run && isBasicExpression(s.run) ? (s.run.source ?? s.run.expression) : ""))}`,
    }));
    return { ...base, ...legsOf(j, ctx), steps };
  });
  return planned.sort((a, b) => a.stage - b.stage);
}

function firstLine(script: string): string {
  const lines = script.split("\n").filter((l) => l.trim());
  return (lines[0]?.trim() ?? "") + (lines.length > 1 ? ` … (${lines.length} lines)` : "");
}

function legsOf(j: JobDef, ctx: PlanContext): Pick<PlannedJob, "legs" | "totalLegs"> {
  if (!j.strategy) return {};
  let strategy: unknown;
  try {
    strategy = evaluateToken(j.strategy, {
      github: ctx.github ?? {},
      vars: ctx.vars ?? {},
      inputs: ctx.inputs ?? {},
      needs: {},
    });
  } catch {
    return { legs: "dynamic" };
  }
  const matrix = strategy && typeof strategy === "object" ? (strategy as Record<string, unknown>).matrix : undefined;
  if (matrix === undefined || matrix === null) return {};
  const expanded = expandMatrix(matrix);
  if (!expanded.ok) return { legs: "dynamic" };
  const kept = expanded.value.filter((l) => !ctx.matrix || legSelected(l.values, ctx.matrix));
  return { legs: kept.map((l) => legName(j.id, l.nameParts)), totalLegs: expanded.value.length };
}
