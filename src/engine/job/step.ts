import type { StepConclusion } from "../../contract/index.js";
import {
  evaluateCondition,
  evaluateStringMap,
  evaluateToken,
  prefetchHashFiles,
  truthy,
} from "../../expressions/index.js";
import { expressionsIn, type StepDef } from "../../workflow/index.js";
import { runAction } from "../actions/actions.js";
import { runScript } from "../steps/run-script.js";
import { scopeFunctions, stepContexts, type StepScope } from "../steps/scope.js";
import { failStep, logError, type ProcessOutcome } from "../steps/run-process.js";
import { errorMessage } from "../../contract/index.js";

export interface StepResult {
  outcome: StepConclusion;
  conclusion: StepConclusion;
  outputs: Record<string, string>;
}

/**
 * A step that failed before its kind ran (its env or `if` threw): `failStep`'s failure, the one
 * failure helper of the engine, as a step's result (continue-on-error is not read: GitHub fails it).
 */
function fault(scope: StepScope, err: unknown): StepResult {
  const { result } = failStep(scope, errorMessage(err));
  return { outcome: result, conclusion: result, outputs: {} };
}

/**
 * EXPR-17: the step's hashFiles calls with literal patterns, computed before its expressions are
 * evaluated (the evaluator is synchronous; a walk of the workspace must not block the runner).
 * The step's expressions see the files as they were when it started.
 */
async function hashedAhead(def: StepDef, workspace: string): Promise<Map<string, string> | undefined> {
  const texts = [
    def.if,
    ...[
      def.name,
      def.run,
      def.with,
      def.env,
      def.shell,
      def.workingDirectory,
      def.timeoutMinutes,
      def.continueOnError,
    ].flatMap(expressionsIn),
  ];
  if (!texts.some((t) => /hashFiles/i.test(t))) return undefined;
  return prefetchHashFiles(workspace, texts);
}

/** STEP-08: minutes from `timeout-minutes`, undefined for none. */
function timeoutOf(v: unknown): number | undefined {
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * Runs one step in a scope: env (ENV-04), then `if` (STEP-03/05), then the step kind, then
 * continue-on-error (STEP-06). Updates the scope's status and `steps` context. Never throws.
 * `onStart` is called once the step is known to run, with its evaluated display name.
 */
export async function executeStep(def: StepDef, scope: StepScope, onStart?: () => void): Promise<StepResult> {
  const rt = scope.rt;
  const fns = scopeFunctions(scope, await hashedAhead(def, rt.workspace));
  const base = { ...rt.state.env, ...(scope.composite?.envOverlay ?? {}) };
  let env: Record<string, string>;
  try {
    env = { ...base, ...evaluateStringMap(def.env, stepContexts(scope, base, def.id), fns) };
  } catch (err) {
    onStart?.();
    return record(def, scope, fault(scope, err));
  }
  const ctx = stepContexts(scope, env, def.id);
  let runs: boolean;
  try {
    runs = evaluateCondition(def.if, ctx, fns);
  } catch (err) {
    onStart?.();
    return record(def, scope, fault(scope, err));
  }
  if (!runs) return record(def, scope, { outcome: "skipped", conclusion: "skipped", outputs: {} });
  onStart?.();
  if (!scope.composite) rt.state.watchCondition(() => evaluateCondition(def.if, stepContexts(scope, env, def.id), fns));

  let outcome: ProcessOutcome;
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const minutes = timeoutOf(evaluateToken(def.timeoutMinutes, ctx, fns));
    if (minutes && !scope.composite) {
      timer = setTimeout(() => {
        timedOut = true;
        rt.state.stopProcess();
      }, minutes * 60_000);
    }
    outcome =
      def.run !== undefined
        ? await runScript(def, scope, ctx, fns, env)
        : await runAction(def, scope, ctx, fns, env, executeStep);
  } catch (err) {
    outcome = failStep(scope, errorMessage(err));
  } finally {
    if (timer) clearTimeout(timer);
    if (!scope.composite) rt.state.watchCondition(undefined);
  }
  let result = outcome.result;
  if (timedOut) {
    logError(
      scope.log,
      `The action '${def.id}' has timed out after ${timeoutOf(evaluateToken(def.timeoutMinutes, ctx, fns))} minutes.`,
    );
    result = "failure";
  }
  let conclusion: StepConclusion = result;
  if (result === "failure") {
    let coe = false;
    try {
      coe = truthy(evaluateToken(def.continueOnError, ctx, fns));
    } catch (err) {
      logError(scope.log, errorMessage(err));
    }
    if (coe) conclusion = "success";
  }
  return record(def, scope, { outcome: result, conclusion, outputs: outcome.effects?.outputs ?? {} });
}

/** Applies a step's result to its scope: status (STEP-04, COMP-07) and the `steps` context (STEP-02). */
function record(def: StepDef, scope: StepScope, r: StepResult): StepResult {
  if (r.conclusion === "failure") {
    if (scope.composite) scope.composite.status = "failure";
    else scope.rt.state.stepFailed();
  }
  // A new object, not a mutation: evaluation caches context objects by identity.
  if (def.explicitId)
    scope.steps = { ...scope.steps, [def.id]: { outputs: r.outputs, outcome: r.outcome, conclusion: r.conclusion } };
  return r;
}
