import { mkdirSync, rmSync } from "node:fs";
import type { JobConclusion, Step } from "../../contract/index.js";
import { evaluateStringMap, evaluateString, stringify, evaluateToken, truthy } from "../../expressions/index.js";
import type { JobResult, JobRuntime } from "../runtime.js";
import { jobContexts } from "../runtime.js";
import { scopeFunctions, stepContexts, type StepScope } from "../steps/scope.js";
import { executeStep } from "./step.js";
import { startJobContainers } from "../docker/job-container.js";
import { planPreSteps, runPreSteps } from "./pre-steps.js";
import { evaluatedStepName } from "../steps/step-names.js";
import { runsOnSkip } from "./runs-on.js";
import { setupStep, skipJob } from "./setup-step.js";
import { errorMessage } from "../../contract/index.js";

/**
 * Runs one job (or matrix leg) whose `if` already passed: set up (env, defaults, RUNNER_TEMP),
 * the steps, the post steps last-registered first (JOB-16), then the job outputs (JOB-09).
 */
export async function runJob(rt: JobRuntime): Promise<JobResult> {
  const { reporter } = rt.run;
  const scope: StepScope = { rt, steps: {}, post: [], log: () => {} };
  const logTo = (step: Step) => (line: string) => reporter.log(rt.job, step, `${rt.masker.mask(line)}\n`);

  let skip: string | undefined;
  let runsOnError: string | undefined;
  try {
    skip = runsOnSkip(rt);
  } catch (err) {
    runsOnError = `runs-on: ${errorMessage(err)}`;
  }
  if (skip) return skipJob(rt.run, rt.job, skip);
  const checkout = runsOnError ? { error: runsOnError } : await acquireCheckout(rt);
  const setupError = checkout.error ?? setUp(rt);
  // A job that cannot start shows one failed "Set up job" step instead of steps that never ran.
  if (setupError) rt.job.steps = [];
  const pres = setupError ? [] : await planPreSteps(rt);
  const containers = !setupError && !!(rt.def.container || rt.def.services);
  // Like GitHub: "Initialize containers" and the Pre steps come before the job's own steps.
  const head = [...(containers ? ["Initialize containers"] : []), ...pres.map((p) => p.name)];
  if (head.length) rt.job.steps = [...head.map((name) => ({ number: 0, name, status: "queued" as const })), ...rt.job.steps].map((s, i) => ({ ...s, number: i + 1 }));
  reporter.jobStarted(rt.job);
  if (setupError) {
    setupStep(rt.run, rt.job, "failure", setupError.split("\n").map((l) => `##[error]${l}`));
    rt.status = "failure";
  } else {
    const started = containers ? await initContainers(rt, rt.job.steps[0], logTo) : { ok: true, cleanup: async () => {} };
    try {
      if (started.ok) {
        await runPreSteps(rt, scope, pres, rt.job.steps.slice(head.length - pres.length, head.length), logTo);
        await runSteps(rt, scope, logTo, head.length);
      } else {
        for (const s of rt.job.steps.slice(1)) reporter.stepCompleted(rt.job, s, "skipped", "skipped");
      }
    } finally {
      if (containers && started.ok) {
        const stop = reporter.addStep(rt.job, "Stop containers");
        reporter.stepStarted(rt.job, stop);
        await started.cleanup();
        reporter.stepCompleted(rt.job, stop, "success", "success");
      }
    }
  }
  const outputs = jobOutputs(rt, scope);
  const conclusion: JobConclusion = rt.timedOut ? "failure" : rt.status;
  rt.job.outputs = outputs;
  if (rt.summaries.length) rt.job.summary = rt.summaries.join("\n");
  let coe = false;
  try {
    coe = truthy(evaluateToken(rt.def.continueOnError, jobContexts(rt)));
  } catch {
    // an invalid expression here is reported by the job's failure already
  }
  const last = rt.job.steps.filter((s) => s.status === "completed").at(-1);
  const parting = await checkout.release?.(conclusion === "failure").catch((err: Error) => `##[warning]could not remove this job's checkout: ${err.message}`);
  if (parting && last) logTo(last)(parting);
  reporter.jobCompleted(rt.job, conclusion);
  rmSync(rt.temp, { recursive: true, force: true });
  // JOB-07: with continue-on-error the run and the dependants see success.
  return { result: conclusion === "failure" && coe ? "success" : conclusion, outputs };
}

/** "Initialize containers": the job's services and container (JOB `container:` / `services:`), or the one error that fails the job. */
async function initContainers(rt: JobRuntime, step: Step, logTo: (s: Step) => (l: string) => void): Promise<{ ok: boolean; cleanup: () => Promise<void> }> {
  const { reporter } = rt.run;
  reporter.stepStarted(rt.job, step);
  const log = logTo(step);
  let r: Awaited<ReturnType<typeof startJobContainers>>;
  try {
    r = await startJobContainers(rt, log);
  } catch (err) {
    r = { cleanup: async () => {}, error: errorMessage(err) };
  }
  if (r.error) {
    log(`##[error]${r.error}`);
    reporter.stepCompleted(rt.job, step, "failure", "failure");
    rt.status = "failure";
    return { ok: false, cleanup: r.cleanup };
  }
  reporter.stepCompleted(rt.job, step, "success", "success");
  return { ok: true, cleanup: r.cleanup };
}

/** The leg's own checkout when jobs are isolated: rt.workspace points into it until `release`. */
async function acquireCheckout(rt: JobRuntime): Promise<{ error?: string; release?: (failed: boolean) => Promise<string | undefined> }> {
  if (!rt.run.checkouts) return {};
  try {
    const leg = await rt.run.checkouts.acquire(rt.job.id);
    rt.workspace = leg.dir;
    return { release: leg.dispose };
  } catch (err) {
    return { error: `could not make this job's checkout: ${errorMessage(err)}` };
  }
}

/** Prepares the job: RUNNER_TEMP emptied (JOB-17), job env (ENV-01..03), defaults.run. */
function setUp(rt: JobRuntime): string | undefined {
  rmSync(rt.temp, { recursive: true, force: true });
  mkdirSync(rt.commandDir, { recursive: true, mode: 0o700 });
  try {
    const ctx = { ...jobContexts(rt), secrets: rt.graph.secrets, env: rt.env };
    rt.env = { ...rt.env, ...evaluateStringMap(rt.def.env, ctx) };
    const withEnv = { ...ctx, env: rt.env, job: {}, runner: rt.runner };
    rt.defaults = {
      shell: evaluateString(rt.def.defaults.shell, withEnv) ?? evaluateString(rt.graph.def.defaults.shell, withEnv),
      workingDirectory: evaluateString(rt.def.defaults.workingDirectory, withEnv) ?? evaluateString(rt.graph.def.defaults.workingDirectory, withEnv),
    };
  } catch (err) {
    return errorMessage(err);
  }
  return undefined;
}

async function runSteps(rt: JobRuntime, scope: StepScope, logTo: (s: Step) => (l: string) => void, offset: number): Promise<void> {
  const { reporter } = rt.run;
  const timeout = Number(evaluateToken(rt.def.timeoutMinutes, jobContexts(rt)) ?? 360);
  const timer = setTimeout(() => {
    rt.timedOut = true;
    logTo(rt.job.steps.find((s) => s.status === "in_progress") ?? rt.job.steps[0])(`##[error]The job running on stax has exceeded the maximum execution time of ${timeout} minutes.`);
    rt.status = "cancelled";
    rt.stopCurrent?.(false);
  }, (Number.isFinite(timeout) && timeout > 0 ? timeout : 360) * 60_000);
  try {
    const defs = rt.def.steps;
    for (let i = 0; i < defs.length; i++) {
      const step = rt.job.steps[offset + i];
      const def = defs[i];
      scope.log = logTo(step);
      if (rt.run.hardStop) {
        reporter.stepCompleted(rt.job, step, "cancelled", "cancelled");
        continue;
      }
      const result = await executeStep(def, scope, () => {
        step.name = rt.masker.mask(evaluatedStepName(def, stepContexts(scope, rt.env, def.id), scopeFunctions(scope)));
        reporter.stepStarted(rt.job, step);
        for (const notice of rt.run.notices.splice(0)) scope.log(notice);
      });
      reporter.stepCompleted(rt.job, step, result.outcome, result.conclusion);
    }
    for (const entry of [...scope.post].reverse()) {
      if (rt.run.hardStop) break;
      let run = false;
      try {
        run = entry.condition();
      } catch {
        run = false;
      }
      if (!run) continue;
      const step = reporter.addStep(rt.job, entry.name);
      reporter.stepStarted(rt.job, step);
      const result = await entry.run(logTo(step));
      if (result === "failure" && rt.status !== "cancelled") rt.status = "failure";
      reporter.stepCompleted(rt.job, step, result, result);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** JOB-09: outputs evaluated after every step; empty ones dropped, ones holding a secret dropped with a warning. */
function jobOutputs(rt: JobRuntime, scope: StepScope): Record<string, string> {
  if (!rt.def.outputs) return {};
  const out: Record<string, string> = {};
  const ctx = { ...stepContexts(scope, rt.env, ""), job: { status: rt.status } };
  let values: Record<string, string>;
  try {
    values = evaluateStringMap(rt.def.outputs, ctx, scopeFunctions(scope));
  } catch {
    rt.status = "failure";
    return out;
  }
  for (const [k, v] of Object.entries(values)) {
    const value = stringify(v);
    if (!value) continue;
    if (rt.masker.mask(value) !== value) continue;
    out[k] = value;
  }
  return out;
}
