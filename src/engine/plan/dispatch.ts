/** The coordinator's side of a leg that runs on another machine: whether it may, and sending it (the worker's side is remote-leg.ts). */
import { isAbsolute, relative } from "node:path";
import type { Job } from "../../contract/index.js";
import { evaluateToken } from "../../expressions/index.js";
import type { JobDef } from "../../workflow/index.js";
import type { LegRequest } from "../options.js";
import { failHolder, skipJob } from "../job/setup-step.js";
import { legLabels, runsOnLabels as rawLabels } from "../job/runs-on.js";
import type { GraphScope, JobResult, RunRuntime } from "../runtime.js";
import { errorMessage } from "../../contract/index.js";
import { errorLines } from "../steps/run-process.js";

/** Whether a graph's legs can run on another machine: its workflow file is part of the run's source. */
export function dispatchable(run: RunRuntime, graph: GraphScope): boolean {
  const rel = relative(run.opts.workspace, graph.workflow.filePath);
  return !rel.startsWith("..") && !isAbsolute(rel);
}

/**
 * `runs-on` as the labels a worker must have (see `legLabels`), or why the coordinator skips the
 * leg; `platforms` is the run's `--platform LABEL=host`.
 */
export function runsOnLabels(
  value: unknown,
  platforms: Record<string, string> = {},
): { labels: string[]; skip?: string } {
  return legLabels(rawLabels(value), platforms);
}

/** The label of a worker with a Docker engine; a leg that needs one asks for it. */
export const DOCKER_LABEL = "docker";

/** Whether a leg needs a Docker engine: a job container, services, or `docker://` steps (what can be known before it runs). */
export function needsDocker(def: JobDef): boolean {
  return !!def.container || !!def.services || (def.steps ?? []).some((s) => s.uses?.startsWith("docker://"));
}

/** Sends one leg to the dispatcher and shows its progress on the coordinator's run as the worker stores it. */
export function dispatchLeg(
  run: RunRuntime,
  graph: GraphScope,
  def: JobDef,
  job: Job,
  matrix: Record<string, unknown> | null,
  strategy: Record<string, unknown>,
  needs: Record<string, JobResult>,
  baseEnv: Record<string, string>,
): { done: Promise<JobResult>; cancel(hard: boolean): void } {
  let labels: string[];
  const platforms = run.opts.platforms ?? {};
  try {
    // Decided here, before a worker sees it: a leg no worker will ever claim must not wait for one.
    const wanted = runsOnLabels(
      evaluateToken(def.runsOn, { github: run.github, vars: run.vars, inputs: graph.inputs, needs, strategy, matrix }),
      platforms,
    );
    if (wanted.skip) return { done: Promise.resolve(skipJob(run, job, wanted.skip)), cancel() {} };
    labels =
      needsDocker(def) && !wanted.labels.includes(DOCKER_LABEL) ? [...wanted.labels, DOCKER_LABEL] : wanted.labels;
  } catch (err) {
    return { done: Promise.resolve(failHolder(run, job, `runs-on: ${errorMessage(err)}`)), cancel() {} };
  }
  const request: LegRequest = {
    runId: run.opts.runId,
    runNumber: run.opts.runNumber,
    event: run.opts.event,
    workflowPath: relative(run.opts.workspace, graph.workflow.filePath),
    jobDefId: def.id,
    job: structuredClone(job),
    matrix,
    strategy,
    needs,
    workflowEnv: baseEnv,
    github: run.github,
    vars: run.vars,
    inputs: graph.inputs,
    scope: { idPrefix: graph.idPrefix, namePrefix: graph.namePrefix, depth: graph.depth },
    labels,
    platforms,
    secrets: graph.secrets,
    killGraceSeconds: run.grace,
  };
  const leg = run.opts.legs!.dispatch(request, (e) => run.reporter.applyRemote(job, e));
  const done = leg.done.then((outcome): JobResult => {
    if (outcome.kind === "finished") return outcome.result;
    if (outcome.kind === "cancelled") {
      run.reporter.jobCompleted(job, "cancelled");
      return { result: "cancelled", outputs: {} };
    }
    if (job.status === "queued") return failHolder(run, job, outcome.message);
    return failStarted(run, job, "Lost worker", outcome.message);
  });
  return { done, cancel: (hard) => leg.cancel(hard) };
}

/** Why a job the dead coordinator of a run taken over ran itself is failed (also the fleet dispatcher's). */
export const RAN_ON_DEAD_COORDINATOR =
  "stax: the front-end that coordinated this run ran this job itself and stopped answering while it ran; the job is marked failed, not run again (its steps may have had effects)";

/**
 * A started job whose runner is gone: its running step (or one named `lost`) fails with the
 * reason, the steps that never ran are skipped. Nothing runs again.
 */
function failStarted(run: RunRuntime, job: Job, lost: string, message: string): JobResult {
  const step = job.steps.find((s) => s.status === "in_progress") ?? run.reporter.addStep(job, lost);
  if (step.status === "queued") run.reporter.stepStarted(job, step);
  for (const line of errorLines(message)) run.reporter.log(job, step, `${line}\n`);
  run.reporter.stepCompleted(job, step, "failure", "failure");
  for (const s of job.steps) if (s.status === "queued") run.reporter.stepCompleted(job, s, "skipped", "skipped");
  run.reporter.jobCompleted(job, "failure");
  return { result: "failure", outputs: {} };
}

/**
 * A leg of a run taken over that this process runs itself (a graph that is not dispatchable), as
 * the event log showed it: one that had started ran on the dead coordinator, and its steps are
 * never run again (they may have had effects). Over: its result and outputs; started: failed with
 * the reason; not started (undefined): it runs now. The fleet dispatcher does the same for legs
 * it would send (FleetDispatcher.ranOnCoordinator).
 */
export function takenOverLeg(run: RunRuntime, job: Job): JobResult | undefined {
  if (!run.opts.resume || job.status === "queued") return undefined;
  if (job.status === "completed" && job.conclusion) return { result: job.conclusion, outputs: { ...job.outputs } };
  return failStarted(run, job, "Lost coordinator", RAN_ON_DEAD_COORDINATOR);
}
