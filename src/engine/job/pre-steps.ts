/**
 * ACT-05: `pre` of repository node actions (and DOCK-04 `pre-entrypoint` of Docker ones) runs as its own `Pre <step>` step before all main
 * steps, in step order, under `pre-if` (default `always()`, no implicit `success() &&`, ACT-07).
 * The state it saves reaches the action's main and post (FILE-07). Node actions used inside
 * a remote composite action get their Pre step too, as at top level, with the inputs the
 * composite passes them.
 */
import { join } from "node:path";
import type { Step } from "../../contract/index.js";
import { evaluateCondition, evaluateStringMap } from "../../expressions/index.js";
import type { Contexts, ExtraFunctions } from "../../expressions/index.js";
import type { ActionDef, StepDef } from "../../workflow/index.js";
import { loadRemoteAction, resolveInputs } from "../actions/actions.js";
import { parseUses } from "../actions/uses.js";
import { MAX_COMPOSITE_DEPTH } from "../actions/composite.js";
import { locateRepo } from "../actions/action-source.js";
import { inputEnv } from "../actions/node-action.js";
import { runDockerStage } from "../actions/docker-action.js";
import { logError, runProcess } from "../steps/run-process.js";
import { stepStatusFunctions, type JobContext } from "../runtime.js";
import { stepContexts, type StepScope } from "../steps/scope.js";
import { findShim } from "../actions/shims/index.js";
import { staticStepName } from "../steps/step-names.js";
import { errorMessage } from "../../contract/index.js";

export interface PrePlan {
  def: StepDef;
  action: ActionDef;
  repository: string;
  ref: string;
  name: string;
  /** The composite steps (outermost first) the action is used inside; empty at top level. */
  parents: { def: StepDef; action: ActionDef }[];
}

/**
 * The repository node actions with `pre` among the job's steps and, recursively, the steps of
 * the remote composite actions it uses (resolved offline; misses are left to the main step).
 */
export async function planPreSteps(rt: JobContext): Promise<PrePlan[]> {
  const out: PrePlan[] = [];
  const collect = async (defs: StepDef[], parents: PrePlan["parents"]): Promise<void> => {
    for (const def of defs) {
      if (!def.uses) continue;
      const parsed = parseUses(def.uses);
      if (!parsed.ok || parsed.value.kind !== "remote") continue;
      const ref = parsed.value;
      if (findShim(ref.slug, ref.path)) continue;
      const found = await locateRepo(rt.services.actions, ref.owner, ref.repo, ref.ref, "Action");
      if (!found.ok) continue;
      const loaded = loadRemoteAction(rt.state, join(found.value.dir, ref.path), def.uses);
      if (!loaded.ok) continue;
      const action = loaded.value;
      const { runs } = action;
      if ((runs.using === "node" && runs.pre) || (runs.using === "docker" && runs.preEntrypoint))
        out.push({ def, action, repository: ref.slug, ref: ref.ref, name: `Pre ${staticStepName(def)}`, parents });
      else if (runs.using === "composite" && parents.length < MAX_COMPOSITE_DEPTH)
        await collect(runs.steps, [...parents, { def, action }]);
    }
  };
  await collect(rt.def.steps, []);
  return out;
}

/**
 * The env and inputs a planned pre step runs with: each enclosing composite's `with` evaluated
 * as its step would (its inputs feeding the next level), then the action's own `with`.
 */
function preContext(
  scope: StepScope,
  plan: PrePlan,
  fns: ExtraFunctions,
): { env: Record<string, string>; inputs: Record<string, string>; ctx: Contexts } {
  let env = scope.rt.state.env;
  let level = scope;
  for (const [depth, p] of plan.parents.entries()) {
    env = { ...env, ...evaluateStringMap(p.def.env, stepContexts(level, env, p.def.id), fns) };
    const pctx = stepContexts(level, env, p.def.id);
    const inputs = resolveInputs(p.action, evaluateStringMap(p.def.with, pctx, fns), pctx, fns, () => {});
    level = { ...scope, steps: {}, inputs, composite: { status: "success", envOverlay: {}, depth: depth + 1 } };
  }
  env = { ...env, ...evaluateStringMap(plan.def.env, stepContexts(level, env, plan.def.id), fns) };
  const ctx = stepContexts(level, env, plan.def.id);
  return {
    env,
    inputs: resolveInputs(plan.action, evaluateStringMap(plan.def.with, ctx, fns), ctx, fns, () => {}),
    ctx,
  };
}

/** Runs the planned pre steps; `steps` are their Step records, in the same order. */
export async function runPreSteps(
  rt: JobContext,
  scope: StepScope,
  plans: PrePlan[],
  steps: Step[],
  logTo: (s: Step) => (l: string) => void,
): Promise<void> {
  const { reporter } = rt.run;
  const workspace = rt.workspace;
  const fns = stepStatusFunctions(
    workspace,
    () => rt.state.status,
    () => rt.state.cancelled,
  );
  for (let i = 0; i < plans.length; i++) {
    const { def, action } = plans[i];
    const step = steps[i];
    const { runs } = action;
    const hasPre = runs.using === "node" ? !!runs.pre : runs.using === "docker" && !!runs.preEntrypoint;
    if (!hasPre || rt.run.flags.hardStop) continue;
    const log = logTo(step);
    let run = false;
    let env: Record<string, string> = rt.state.env;
    let inputs: Record<string, string> = {};
    try {
      const pre = preContext(scope, plans[i], fns);
      env = pre.env;
      inputs = pre.inputs;
      run = evaluateCondition(
        (runs.using === "node" || runs.using === "docker" ? runs.preIf : undefined) ?? "always()",
        { ...pre.ctx, inputs, steps: {} },
        fns,
      );
    } catch (err) {
      reporter.stepStarted(rt.job, step);
      logError(log, errorMessage(err));
      reporter.stepCompleted(rt.job, step, "failure", "failure");
      rt.state.fail();
      continue;
    }
    if (!run) {
      reporter.stepCompleted(rt.job, step, "skipped", "skipped");
      continue;
    }
    reporter.stepStarted(rt.job, step);
    for (const notice of rt.run.flags.takeNotices()) log(notice);
    const preScope: StepScope = {
      ...scope,
      log,
      action: { path: "", repository: plans[i].repository, ref: plans[i].ref },
    };
    // DOCK-04: a Docker action's pre-entrypoint in a container of its own.
    const result =
      runs.using === "docker"
        ? await runDockerStage({ action, inputs, uses: def.uses ?? "", def, scope: preScope, env, fns }, "pre")
        : await runProcess(preScope, def.id, env, {
            command: rt.run.nodePath,
            args: [join(action.dir, (runs as { pre: string }).pre)],
            cwd: workspace,
            extraEnv: inputEnv(inputs),
          });
    rt.state.savePreState(def, result.effects?.state ?? {});
    reporter.stepCompleted(rt.job, step, result.result, result.result);
    if (result.result === "failure") rt.state.fail();
  }
}
