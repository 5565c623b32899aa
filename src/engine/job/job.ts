import { mkdirSync, rmSync } from "node:fs";
import { writeEventFile } from "../context/event-file.js";
import type { JobConclusion, Step } from "../../contract/index.js";
import { evaluateStringMap, evaluateString, stringify, evaluateToken, truthy } from "../../expressions/index.js";
import type { JobContext, JobResult, JobStart } from "../runtime.js";
import { jobContexts } from "../runtime.js";
import { scopeFunctions, stepContexts, type StepScope } from "../steps/scope.js";
import { executeStep } from "./step.js";
import { startJobContainers, type JobContainers } from "../docker/job-container.js";
import { planPreSteps, runPreSteps } from "./pre-steps.js";
import { evaluatedStepName } from "../steps/step-names.js";
import { platformImage, runsOnSkip } from "./runs-on.js";
import { setupStep, skipJob } from "./setup-step.js";
import { errorMessage, type Result } from "../../contract/index.js";
import { withinLimits } from "../steps/job-outputs.js";
import { cleanUpOrphans, jobTrackingId } from "../steps/orphans.js";
import { errorLines, logError } from "../steps/run-process.js";

/**
 * Runs one job (or matrix leg) whose `if` already passed: set up (env, defaults, RUNNER_TEMP),
 * the steps, the post steps last-registered first (JOB-16), then the job outputs (JOB-09).
 */
export async function runJob(start: JobStart): Promise<JobResult> {
  const { reporter } = start.run;
  const { job, state } = start;
  const logTo = (step: Step) => (line: string) => reporter.log(job, step, `${state.mask(line)}\n`);

  let skip: string | undefined;
  let runsOnError: string | undefined;
  try {
    skip = runsOnSkip(start);
  } catch (err) {
    runsOnError = `runs-on: ${errorMessage(err)}`;
  }
  if (skip) return skipJob(start.run, job, skip);
  const checkout: Result<Checkout> = runsOnError ? { ok: false, error: runsOnError } : await acquireCheckout(start);
  const workspace = (checkout.ok ? checkout.value.workspace : undefined) ?? start.services.workspace;
  // Every path of the leg's contexts names its checkout: github.workspace, runner.workspace, and
  // through them the env of each level and defaults.run.
  const leg: JobStart & { workspace: string } = { ...start, runner: { ...start.runner, workspace }, workspace };
  const setup = checkout.ok ? setUp(leg) : checkout;
  const rt: JobContext = { ...leg, defaults: setup.ok ? setup.value : {}, trackingId: jobTrackingId() };
  // Recorded before any step starts, so a crash at any moment leaves the job's mark for the next start to reap.
  rt.services.processes?.jobStarted(rt.trackingId);
  const scope: StepScope = { rt, steps: {}, addPost: (entry) => state.addPost(entry), log: () => {} };
  const setupError = setup.ok ? undefined : setup.error;
  const pres = setupError ? [] : await planPreSteps(rt);
  const image = rt.def.container ? undefined : platformImage(start);
  const containers = !setupError && !!(rt.def.container || rt.def.services || image);
  // Like GitHub: "Initialize containers" and the Pre steps come before the job's own steps.
  const head = [...(containers ? ["Initialize containers"] : []), ...pres.map((p) => p.name)];
  // A job that cannot start shows one failed "Set up job" step instead of steps that never ran.
  if (head.length || setupError) reporter.planSteps(job, head, !setupError);
  reporter.jobStarted(job);
  if (setupError) {
    setupStep(rt.run, job, "failure", errorLines(setupError));
    state.fail();
  } else {
    const started: Result<JobContainers> = containers
      ? await initContainers(rt, job.steps[0], logTo, image)
      : { ok: true, value: { cleanup: async () => {} } };
    try {
      if (started.ok) {
        // The steps see the job container while it exists; the job outputs, evaluated once it is gone, see the host's paths.
        const { container, network } = started.value;
        if (container || network) scope.rt = { ...rt, container, jobNetwork: network };
        await runPreSteps(scope.rt, scope, pres, job.steps.slice(head.length - pres.length, head.length), logTo);
        await runSteps(scope.rt, scope, logTo, head.length);
      } else {
        for (const s of job.steps.slice(1)) reporter.stepCompleted(job, s, "skipped", "skipped");
      }
    } finally {
      if (containers && started.ok) {
        const stop = reporter.addStep(job, "Stop containers");
        reporter.stepStarted(job, stop);
        await started.value.cleanup();
        scope.rt = rt;
        reporter.stepCompleted(job, stop, "success", "success");
      }
    }
  }
  const lastLog = (line: string): void =>
    logTo(job.steps.filter((s) => s.status === "completed").at(-1) ?? job.steps[0])(line);
  await cleanUpOrphans(rt.trackingId, lastLog);
  rt.services.processes?.jobEnded(rt.trackingId);
  const outputs = withinLimits(rt, jobOutputs(rt, scope, lastLog), lastLog);
  const conclusion: JobConclusion = state.conclusion;
  let coe = false;
  try {
    coe = truthy(evaluateToken(rt.def.continueOnError, jobContexts(rt)));
  } catch {
    // an invalid expression here is reported by the job's failure already
  }
  const last = job.steps.filter((s) => s.status === "completed").at(-1);
  const parting = checkout.ok ? checkout.value.release?.(conclusion === "failure") : undefined;
  if (parting && last) logTo(last)(parting);
  reporter.jobCompleted(job, conclusion, { outputs, summary: state.summary });
  rmSync(rt.temp, { recursive: true, force: true });
  // JOB-07: with continue-on-error the run and the dependants see success.
  return { result: conclusion === "failure" && coe ? "success" : conclusion, outputs };
}

/** "Initialize containers": the job's services and container (JOB `container:` / `services:`), or the one error that fails the job. */
async function initContainers(
  rt: JobContext,
  step: Step,
  logTo: (s: Step) => (l: string) => void,
  image: string | undefined,
): Promise<Result<JobContainers>> {
  const { reporter } = rt.run;
  reporter.stepStarted(rt.job, step);
  const log = logTo(step);
  let r: Result<JobContainers>;
  try {
    r = await startJobContainers(rt, log, image);
  } catch (err) {
    r = { ok: false, error: errorMessage(err) };
  }
  if (!r.ok) {
    logError(log, r.error);
    reporter.stepCompleted(rt.job, step, "failure", "failure");
    rt.state.fail();
    return r;
  }
  reporter.stepCompleted(rt.job, step, "success", "success");
  return r;
}

/** A leg's own checkout, when jobs are isolated: the job's workspace until `release`. */
interface Checkout {
  workspace?: string;
  release?: (failed: boolean) => string | undefined;
}

async function acquireCheckout(start: JobStart): Promise<Result<Checkout>> {
  if (!start.run.checkouts) return { ok: true, value: {} };
  try {
    const leg = await start.run.checkouts.acquire(start.job.id);
    return { ok: true, value: { workspace: leg.dir, release: leg.dispose } };
  } catch (err) {
    return { ok: false, error: `could not make this job's checkout: ${errorMessage(err)}` };
  }
}

/**
 * Prepares the job: RUNNER_TEMP emptied (JOB-17), the event written in it (CTX-02), the
 * workflow's env and the job's (ENV-01..03), both evaluated here, in the leg's checkout; returns
 * its defaults.run.
 */
function setUp(start: JobStart & { workspace: string }): Result<JobContext["defaults"]> {
  rmSync(start.temp, { recursive: true, force: true });
  mkdirSync(start.commandDir, { recursive: true, mode: 0o700 });
  writeEventFile(start.eventPath, start.run.github.event ?? {});
  const { state } = start;
  try {
    const ctx0 = jobContexts(start);
    // ENV-02: the workflow's entries see the env under them (ACT, --env), which the state starts from.
    state.setEnv(
      evaluateStringMap(start.graph.def.env, {
        github: ctx0.github,
        vars: ctx0.vars,
        inputs: ctx0.inputs,
        secrets: start.graph.secrets,
        env: state.env,
      }),
    );
    const ctx = { ...ctx0, secrets: start.graph.secrets, env: state.env };
    state.setEnv(evaluateStringMap(start.def.env, ctx));
    const withEnv = { ...ctx, env: state.env, job: {}, runner: start.runner };
    return {
      ok: true,
      value: {
        shell:
          evaluateString(start.def.defaults.shell, withEnv) ?? evaluateString(start.graph.def.defaults.shell, withEnv),
        workingDirectory:
          evaluateString(start.def.defaults.workingDirectory, withEnv) ??
          evaluateString(start.graph.def.defaults.workingDirectory, withEnv),
      },
    };
  } catch (err) {
    return { ok: false, error: errorMessage(err) };
  }
}

async function runSteps(
  rt: JobContext,
  scope: StepScope,
  logTo: (s: Step) => (l: string) => void,
  offset: number,
): Promise<void> {
  const { reporter } = rt.run;
  const timeout = Number(evaluateToken(rt.def.timeoutMinutes, jobContexts(rt)) ?? 360);
  const timer = setTimeout(
    () => {
      logError(
        logTo(rt.job.steps.find((s) => s.status === "in_progress") ?? rt.job.steps[0]),
        `The job running on stax has exceeded the maximum execution time of ${timeout} minutes.`,
      );
      rt.state.markTimedOut();
    },
    (Number.isFinite(timeout) && timeout > 0 ? timeout : 360) * 60_000,
  );
  try {
    const defs = rt.def.steps;
    for (let i = 0; i < defs.length; i++) {
      const step = rt.job.steps[offset + i];
      const def = defs[i];
      scope.log = logTo(step);
      if (rt.run.flags.hardStop) {
        reporter.stepCompleted(rt.job, step, "cancelled", "cancelled");
        continue;
      }
      const result = await executeStep(def, scope, () => {
        step.name = rt.state.mask(
          evaluatedStepName(def, stepContexts(scope, rt.state.env, def.id), scopeFunctions(scope)),
        );
        reporter.stepStarted(rt.job, step);
        for (const notice of rt.run.flags.takeNotices()) scope.log(notice);
      });
      reporter.stepCompleted(rt.job, step, result.outcome, result.conclusion);
    }
    for (const entry of [...rt.state.posts].reverse()) {
      if (rt.run.flags.hardStop) break;
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
      if (result === "failure") rt.state.stepFailed();
      reporter.stepCompleted(rt.job, step, result, result);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** JOB-09: outputs evaluated after every step; empty ones dropped, ones holding a secret dropped with a warning. */
function jobOutputs(rt: JobContext, scope: StepScope, log: (line: string) => void): Record<string, string> {
  if (!rt.def.outputs) return {};
  const out: Record<string, string> = {};
  const ctx = { ...stepContexts(scope, rt.state.env, ""), job: { status: rt.state.status } };
  let values: Record<string, string>;
  try {
    values = evaluateStringMap(rt.def.outputs, ctx, scopeFunctions(scope));
  } catch (err) {
    // Fails the job as GitHub does, and says why on the job's last step: a failed job with no
    // error line leaves its reader nothing to go on.
    logError(log, `Error when evaluating 'outputs' for job '${rt.job.id}': ${errorMessage(err)}`);
    rt.state.fail();
    return out;
  }
  for (const [k, v] of Object.entries(values)) {
    const value = stringify(v);
    if (!value) continue;
    if (rt.state.mask(value) !== value) continue;
    out[k] = value;
  }
  return out;
}
