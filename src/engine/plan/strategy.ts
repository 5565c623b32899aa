import { join } from "node:path";
import type { Job } from "../../contract/index.js";
import { evaluateString, stringify } from "../../expressions/index.js";
import { isBasicExpression, type JobDef } from "../../workflow/index.js";
import { aggregate } from "./needs.js";
import { failHolder } from "../job/setup-step.js";
import { runJob } from "../job/job.js";
import { expandMatrix, legName, legSelected } from "./matrix.js";
import { runReusable } from "./reusable.js";
import type { GraphScope, JobCancel, JobResult, JobStart, RunRuntime } from "../runtime.js";
import { JobState } from "../job-state.js";
import { dispatchable, dispatchLeg, takenOverLeg } from "./dispatch.js";
import { plainName, scriptSource, staticStepName } from "../steps/step-names.js";

const RUNS_WHEN_CANCELLED = /\b(always|cancelled)\s*\(/;

interface Leg {
  matrix: Record<string, unknown> | null;
  nameParts: string[];
  index: number;
}

/**
 * Expands a ready job into its matrix legs (MAT-*), shows them in place of the placeholder,
 * and runs them with max-parallel (MAT-10) and fail-fast (MAT-09). Reusable-workflow calls
 * run the called workflow once per leg.
 */
export async function runLegs(
  run: RunRuntime,
  graph: GraphScope,
  def: JobDef,
  holder: Job,
  needs: Record<string, JobResult>,
  strategy: Record<string, unknown>,
  baseEnv: Record<string, string>,
): Promise<JobResult> {
  const hasMatrix = strategy.matrix !== undefined && strategy.matrix !== null;
  let legs: Leg[] = [{ matrix: null, nameParts: [], index: 0 }];
  if (hasMatrix) {
    const expanded = expandMatrix(strategy.matrix);
    if (!expanded.ok) return failHolder(run, holder, `job '${def.id}': ${expanded.error}`);
    if (expanded.value.length === 0) return failHolder(run, holder, `job '${def.id}': the matrix has no combinations`);
    legs = expanded.value.map((l, index) => ({ matrix: l.values, nameParts: l.nameParts, index }));
  }
  // MAT-08 numbers legs over the whole matrix, so a leg picked with --matrix keeps its job-index and job-total.
  const total = legs.length;
  const wanted = run.opts.matrix;
  if (hasMatrix && wanted && Object.keys(wanted).length) {
    legs = legs.filter((l) => legSelected(l.matrix, wanted));
    if (legs.length === 0) {
      run.reporter.jobCompleted(holder, "skipped");
      return { result: "skipped", outputs: {} };
    }
  }
  const failFast =
    strategy["fail-fast"] === undefined ? true : strategy["fail-fast"] !== false && strategy["fail-fast"] !== "false";
  const maxParallel = Number(strategy["max-parallel"]) > 0 ? Number(strategy["max-parallel"]) : legs.length;
  const strategyCtx = (leg: Leg) => ({
    "fail-fast": failFast,
    "job-index": leg.index,
    "job-total": total,
    "max-parallel": hasMatrix ? maxParallel : 1,
  });

  if (def.uses) {
    const results: JobResult[] = [];
    for (const leg of legs) {
      const suffix = leg.nameParts.length ? legName("", leg.nameParts).trim() : "";
      results.push(await runReusable(run, graph, def, holder, needs, leg.matrix, strategyCtx(leg), suffix));
    }
    return aggregate(results);
  }

  const jobs: Job[] = legs.map((leg) => {
    const ctx = {
      github: run.github,
      vars: run.vars,
      inputs: graph.inputs,
      needs,
      strategy: strategyCtx(leg),
      matrix: leg.matrix,
    };
    let name = def.id;
    try {
      name = plainName(evaluateString(def.name, ctx) ?? def.id);
    } catch {
      // keep the id; the job reports the error when it runs
    }
    const dynamicName = def.name !== undefined && isBasicExpression(def.name);
    const shown = hasMatrix && !dynamicName ? legName(name, leg.nameParts) : name;
    const id = hasMatrix ? legName(def.id, leg.nameParts.length ? leg.nameParts : [String(leg.index + 1)]) : def.id;
    return {
      id: uniqueId(run, graph.idPrefix + id, holder),
      definitionId: holder.definitionId,
      ...(holder.callerId ? { callerId: holder.callerId } : {}),
      name: graph.namePrefix + shown,
      status: "queued",
      needs: holder.needs,
      ...(leg.matrix ? { matrix: leg.matrix } : {}),
      steps: def.steps.map((s, i) => {
        // Masked with the run's secrets: a script may hold a secret's value literally, and jobs are stored as planned.
        const source = scriptSource(s);
        const script = source === undefined ? undefined : run.masker.mask(source);
        return {
          number: i + 1,
          name: staticStepName(s),
          status: "queued" as const,
          ...(script !== undefined ? { script } : {}),
        };
      }),
      outputs: {},
    };
  });
  run.reporter.addJobs(jobs, holder);

  const results: JobResult[] = new Array(legs.length);
  let failed = false;
  let next = 0;
  const running = new Set<JobCancel>();
  const remote = run.opts.legs && dispatchable(run, graph);
  const worker = async (): Promise<void> => {
    while (next < legs.length) {
      const i = next++;
      const job = jobs[i];
      if ((failFast && failed) || run.flags.hardStop) {
        run.reporter.jobCompleted(job, "cancelled");
        results[i] = { result: "cancelled", outputs: {} };
        continue;
      }
      // A re-run of failed legs: a leg that succeeded keeps its result, as on GitHub.
      const earlier = graph.depth === 0 ? run.opts.reuse?.legs?.[job.id] : undefined;
      if (earlier) {
        run.reporter.jobCompleted(job, earlier.result, {
          outputs: { ...earlier.outputs },
          reusedFrom: { runId: run.opts.reuse!.runId, runNumber: run.opts.reuse!.runNumber },
        });
        results[i] = { result: earlier.result, outputs: { ...earlier.outputs } };
        continue;
      }
      // Taken over: a leg the dead coordinator ran itself is not run again (see takenOverLeg).
      const before = remote ? undefined : takenOverLeg(run, job);
      if (before) {
        results[i] = before;
        continue;
      }
      // Over the runner's cap a leg it runs itself waits here, `queued`, for a slot (a leg sent to a
      // worker takes one of the worker's). A run cancelled meanwhile does not start it, unless its
      // `if` asks to run then (under cancellation success() is false).
      const release = (!remote && (await run.opts.legSlots?.acquire())) || (() => {});
      if ((failFast && failed) || run.flags.hardStop || (run.flags.cancelled && !RUNS_WHEN_CANCELLED.test(def.if))) {
        release();
        run.reporter.jobCompleted(job, "cancelled");
        results[i] = { result: "cancelled", outputs: {} };
        continue;
      }
      let done: Promise<JobResult>;
      let handle: JobCancel;
      if (remote) {
        const leg = dispatchLeg(run, graph, def, job, legs[i].matrix, strategyCtx(legs[i]), needs, baseEnv);
        [done, handle] = [leg.done, leg];
      } else {
        const start = newJob(run, graph, def, job, legs[i].matrix, strategyCtx(legs[i]), needs, baseEnv);
        [done, handle] = [
          Promise.resolve().then(() => runJob(start)),
          { cancel: (hard: boolean) => start.state.cancel(hard) },
        ];
      }
      const leave = run.flags.enter(handle);
      running.add(handle);
      try {
        results[i] = await done;
      } finally {
        release();
        leave();
        running.delete(handle);
      }
      if (results[i].result === "failure" && failFast && hasMatrix && !failed) {
        failed = true;
        for (const other of running) other.cancel(false);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(maxParallel, legs.length) }, worker));
  return aggregate(results);
}

function uniqueId(run: RunRuntime, id: string, except: Job): string {
  const taken = new Set(run.reporter.run.jobs.filter((j) => j !== except).map((j) => j.id));
  let out = id;
  for (let n = 2; taken.has(out); n++) out = `${id} ${n}`;
  return out;
}

/** What a leg run in this process is started with; its state starts from the workflow's env and the run's masks. */
export function newJob(
  run: RunRuntime,
  graph: GraphScope,
  def: JobDef,
  job: Job,
  matrix: Record<string, unknown> | null,
  strategy: Record<string, unknown>,
  needs: Record<string, JobResult>,
  baseEnv: Record<string, string>,
): JobStart {
  const temp = join(run.services.tempDir, "jobs", job.id.replace(/[^A-Za-z0-9._-]+/g, "_"));
  return {
    run,
    graph,
    def,
    job,
    matrix,
    strategy,
    needs,
    temp,
    commandDir: join(temp, "_runner_file_commands"),
    eventPath: join(temp, "_github_workflow", "event.json"),
    runner: { ...run.runner, temp },
    debug: stringify(graph.secrets.ACTIONS_STEP_DEBUG ?? run.vars.ACTIONS_STEP_DEBUG ?? "").toLowerCase() === "true",
    services: run.services,
    state: new JobState(baseEnv, run.masker.clone()),
  };
}
