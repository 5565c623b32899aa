import type { Job } from "../../contract/index.js";
import { evaluateStringMap, evaluateToken } from "../../expressions/index.js";
import type { JobDef } from "../../workflow/index.js";
import { jobCondition } from "./job-if.js";
import { runLegs } from "./strategy.js";
import { jobDefOf, needsOf } from "./needs.js";
import { failHolder } from "../job/setup-step.js";
import type { GraphScope, JobResult, RunRuntime } from "../runtime.js";
import { errorMessage } from "../../contract/index.js";

/** The placeholder job shown for a job definition until it is expanded or skipped. */
export function placeholder(graph: GraphScope, def: JobDef): Job {
  const name =
    def.name && !("expression" in def.name) ? String((def.name as { value?: unknown }).value ?? def.id) : def.id;
  const id = graph.idPrefix + def.id;
  return {
    id,
    definitionId: id,
    ...(graph.caller ? { callerId: graph.caller } : {}),
    name: graph.namePrefix + name,
    status: "queued",
    needs: def.needs.map((n) => graph.idPrefix + n),
    steps: [],
    outputs: {},
  };
}

/**
 * Schedules the jobs of one workflow (JOB-03): each starts when all its needs finished, then its
 * `if` decides; independent jobs run concurrently. Resolves with every job's result.
 */
export async function runGraph(run: RunRuntime, graph: GraphScope): Promise<Map<string, JobResult>> {
  const results = new Map<string, JobResult>();
  const promises = new Map<string, Promise<JobResult>>();
  const holders = new Map<string, Job>();
  const defs = graph.def.jobs;
  for (const def of defs) {
    const job = placeholder(graph, def);
    holders.set(def.id, job);
    run.reporter.addJobs([job]);
  }
  // The top-level run starts with its jobs listed (queued), so `run.started` shows the plan.
  if (graph.depth === 0) run.reporter.runStarted();
  // `ACT=true`, as act sets it: workflows written for act skip their publishing steps here too
  // (`if: ${{ !env.ACT }}`); `--env ACT=…` overrides it. The run's `--env` reaches a called
  // workflow's jobs too (it is the machine's environment, not the caller's `env:`, RW-04).
  // Each leg starts from it and evaluates the workflow's `env:` itself, in its own checkout
  // (job.ts); evaluated here once only so that an error fails every job before any starts.
  const baseEnv: Record<string, string> = { ACT: "true", ...run.opts.env };
  let envError: string | undefined;
  try {
    evaluateStringMap(graph.def.env, {
      github: run.github,
      vars: run.vars,
      inputs: graph.inputs,
      secrets: graph.secrets,
      env: baseEnv,
    });
  } catch (err) {
    envError = errorMessage(err);
  }
  const start = (def: JobDef): Promise<JobResult> => {
    let p = promises.get(def.id);
    if (!p) {
      p = (async () => {
        const needDefs = def.needs.map((n) => jobDefOf(defs, n)).filter((d): d is JobDef => !!d);
        await Promise.all(needDefs.map(start));
        const earlier = graph.depth === 0 ? run.opts.reuse?.jobs[def.id] : undefined;
        const result = earlier
          ? reuseJob(run, holders.get(def.id)!, earlier)
          : await runDef(run, graph, def, holders.get(def.id)!, results, baseEnv, envError);
        results.set(def.id, result);
        return result;
      })();
      promises.set(def.id, p);
    }
    return p;
  };
  await Promise.all(defs.map(start));
  return results;
}

async function runDef(
  run: RunRuntime,
  graph: GraphScope,
  def: JobDef,
  holder: Job,
  results: Map<string, JobResult>,
  baseEnv: Record<string, string>,
  envError: string | undefined,
): Promise<JobResult> {
  let go: boolean;
  try {
    go = jobCondition(run, graph, def, results);
  } catch (err) {
    return failHolder(run, holder, errorMessage(err));
  }
  if (!go) {
    const conclusion = run.flags.cancelled ? "cancelled" : "skipped";
    run.reporter.jobCompleted(holder, conclusion);
    return { result: conclusion, outputs: {} };
  }
  if (envError) return failHolder(run, holder, `workflow env: ${envError}`);
  const needs = needsOf(graph, def, results);
  let strategy: Record<string, unknown> = {};
  try {
    const s = evaluateToken(def.strategy, { github: run.github, vars: run.vars, inputs: graph.inputs, needs });
    if (s && typeof s === "object") strategy = s as Record<string, unknown>;
  } catch (err) {
    return failHolder(run, holder, errorMessage(err));
  }
  return runLegs(run, graph, def, holder, needs, strategy, baseEnv);
}

/** A job a re-run of failed jobs takes from the earlier run: shown completed as it was, its outputs kept for `needs`. */
function reuseJob(run: RunRuntime, holder: Job, earlier: JobResult): JobResult {
  run.reporter.jobCompleted(holder, earlier.result, {
    outputs: { ...earlier.outputs },
    reusedFrom: { runId: run.opts.reuse!.runId, runNumber: run.opts.reuse!.runNumber },
  });
  return earlier;
}
