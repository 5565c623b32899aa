import { evaluateString } from "../../expressions/index.js";
import type { ActionDef, StepDef } from "../../workflow/index.js";
import { failStep, logError, type ProcessOutcome } from "../steps/run-process.js";
import type { PostEntry } from "../runtime.js";
import type { StepScope } from "../steps/scope.js";
import { scopeFunctions, stepContexts } from "../steps/scope.js";
import { errorMessage } from "../../contract/index.js";

/** Runs one step in a scope (the job's `executeStep`): a composite's steps run as the job's do. */
export type StepRunner = (def: StepDef, scope: StepScope) => Promise<unknown>;

/** COMP-09: the runner refuses more than 10 nested composite levels. */
export const MAX_COMPOSITE_DEPTH = 10;

/**
 * A composite action (COMP-*): its steps run in their own `steps` scope with the action's
 * inputs, the caller's env between the job env and theirs, and `github.action_path` set.
 * Their outputs become the calling step's outputs; posts of inner actions run in one
 * `Post` step of the composite, last first (COMP-10).
 */
export async function runComposite(
  action: ActionDef,
  info: StepScope["action"],
  inputs: Record<string, string>,
  def: StepDef,
  scope: StepScope,
  env: Record<string, string>,
  runStep: StepRunner,
): Promise<ProcessOutcome> {
  if (action.runs.using !== "composite") throw new Error("not a composite action");
  const depth = (scope.composite?.depth ?? 0) + 1;
  if (depth > MAX_COMPOSITE_DEPTH) {
    return failStep(scope, `Composite action '${action.name}' is nested more than ${MAX_COMPOSITE_DEPTH} levels deep.`);
  }
  const innerPost: PostEntry[] = [];
  const inner: StepScope = {
    rt: scope.rt,
    steps: {},
    inputs,
    action: info,
    composite: {
      status: "success",
      envOverlay: { ...(scope.composite?.envOverlay ?? {}), ...stepEnvOnly(env, scope) },
      depth,
    },
    addPost: (entry) => innerPost.push(entry),
    log: scope.log,
  };
  for (const step of action.runs.steps) {
    if (scope.rt.run.flags.hardStop) break;
    await runStep(step, inner);
  }
  const outputs: Record<string, string> = {};
  for (const o of action.outputs) {
    try {
      outputs[o.id] =
        evaluateString(
          o.value,
          stepContexts(inner, { ...scope.rt.state.env, ...inner.composite!.envOverlay }, def.id),
          scopeFunctions(inner),
        ) ?? "";
    } catch (err) {
      logError(scope.log, errorMessage(err));
    }
  }
  if (innerPost.length) {
    scope.addPost({
      name: `Post ${action.name}`,
      condition: () => true,
      run: async (log) => {
        let result: "success" | "failure" = "success";
        for (const p of [...innerPost].reverse()) {
          if (!p.condition()) continue;
          if ((await p.run(log)) === "failure") result = "failure";
        }
        return result;
      },
    });
  }
  const cancelled = scope.rt.state.cancelled && inner.composite!.status !== "failure";
  return {
    result: inner.composite!.status === "failure" ? "failure" : cancelled ? "cancelled" : "success",
    effects: { outputs, state: {} },
  };
}

/** The calling step's own env values: what differs from the job env (COMP-05; the job env is read live). */
function stepEnvOnly(env: Record<string, string>, scope: StepScope): Record<string, string> {
  const out: Record<string, string> = {};
  const jobEnv = scope.rt.state.env;
  for (const [k, v] of Object.entries(env)) if (jobEnv[k] !== v) out[k] = v;
  return out;
}
