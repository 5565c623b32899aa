/**
 * ACT-05: `pre` of repository node actions runs as its own `Pre <step>` step before all main
 * steps, in step order, under `pre-if` (default `always()`, no implicit `success() &&`, ACT-07).
 * The state it saves reaches the action's main and post (FILE-07).
 */
import { join } from "node:path";
import type { Step } from "../contract/index.js";
import { evaluateCondition, evaluateStringMap } from "../expressions/index.js";
import { loadAction, type ActionDef, type StepDef } from "../workflow/index.js";
import { parseUses, resolveInputs } from "./actions.js";
import { locateRepo } from "./action-source.js";
import { inputEnv } from "./node-action.js";
import { runProcess } from "./run-process.js";
import { stepStatusFunctions, type JobRuntime } from "./runtime.js";
import { stepContexts, type StepScope } from "./scope.js";
import { findShim } from "./shims/index.js";
import { staticStepName } from "./step-names.js";

export interface PrePlan {
  def: StepDef;
  action: ActionDef;
  repository: string;
  ref: string;
  name: string;
}

/** The job's steps whose action is a repository node action with `pre` (resolved offline; misses are left to the main step). */
export async function planPreSteps(rt: JobRuntime): Promise<PrePlan[]> {
  const out: PrePlan[] = [];
  for (const def of rt.def.steps) {
    if (!def.uses) continue;
    const ref = parseUses(def.uses);
    if ("error" in ref || ref.kind !== "remote" || findShim(ref.slug, ref.path)) continue;
    const found = await locateRepo(rt.run.opts.actions, ref.owner, ref.repo, ref.ref, "Action");
    if ("error" in found) continue;
    const loaded = loadAction(join(found.dir, ref.path), def.uses);
    if (!loaded.ok || loaded.action.runs.using !== "node" || !loaded.action.runs.pre) continue;
    out.push({ def, action: loaded.action, repository: ref.slug, ref: ref.ref, name: `Pre ${staticStepName(def)}` });
  }
  return out;
}

/** Runs the planned pre steps; `steps` are their Step records, in the same order. */
export async function runPreSteps(rt: JobRuntime, scope: StepScope, plans: PrePlan[], steps: Step[], logTo: (s: Step) => (l: string) => void): Promise<void> {
  const { reporter } = rt.run;
  const workspace = rt.workspace;
  const fns = stepStatusFunctions(workspace, () => rt.status, () => rt.status === "cancelled");
  for (let i = 0; i < plans.length; i++) {
    const { def, action } = plans[i];
    const step = steps[i];
    if (action.runs.using !== "node" || !action.runs.pre || rt.run.hardStop) continue;
    const log = logTo(step);
    let run = false;
    let env: Record<string, string> = rt.env;
    let inputs: Record<string, string> = {};
    try {
      env = { ...rt.env, ...evaluateStringMap(def.env, stepContexts(scope, rt.env, def.id), fns) };
      const ctx = stepContexts(scope, env, def.id);
      inputs = resolveInputs(action, evaluateStringMap(def.with, ctx, fns), ctx, fns, () => {});
      run = evaluateCondition(action.runs.preIf ?? "always()", { ...ctx, inputs, steps: {} }, fns);
    } catch (err) {
      reporter.stepStarted(rt.job, step);
      log(`##[error]${err instanceof Error ? err.message : String(err)}`);
      reporter.stepCompleted(rt.job, step, "failure", "failure");
      rt.status = "failure";
      continue;
    }
    if (!run) {
      reporter.stepCompleted(rt.job, step, "skipped", "skipped");
      continue;
    }
    reporter.stepStarted(rt.job, step);
    for (const notice of rt.run.notices.splice(0)) log(notice);
    const preScope: StepScope = { ...scope, log, action: { path: "", repository: plans[i].repository, ref: plans[i].ref } };
    const result = await runProcess(preScope, def.id, env, { command: rt.run.nodePath, args: [join(action.dir, action.runs.pre)], cwd: workspace, extraEnv: inputEnv(inputs) });
    rt.preState.set(def, result.effects?.state ?? {});
    reporter.stepCompleted(rt.job, step, result.result, result.result);
    if (result.result === "failure") rt.status = "failure";
  }
}
