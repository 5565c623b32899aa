import { join } from "node:path";
import { evaluateCondition } from "../expressions/index.js";
import type { ActionDef, StepDef } from "../workflow/index.js";
import { runProcess, type ProcessOutcome } from "./run-process.js";
import { stepStatusFunctions } from "./runtime.js";
import type { StepScope } from "./scope.js";
import { stepContexts } from "./scope.js";

/** ACT-03: `INPUT_<NAME>`, upper-cased, spaces to `_`, hyphens kept. */
export function inputEnv(inputs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.replace(/ /g, "_").toUpperCase()}`, v]));
}

const stateEnv = (state: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));

/**
 * A JavaScript action (ACT-02): `node <dir>/<main>` in the workspace with INPUT_* and STATE_*.
 * node12/16/20/24 all run on the Node that runs stax (ACT-01). A `post` is registered only once
 * main ran (ACT-06) and gets the state main saved (FILE-07).
 */
export async function runNodeAction(action: ActionDef, info: StepScope["action"], inputs: Record<string, string>, def: StepDef, scope: StepScope, env: Record<string, string>): Promise<ProcessOutcome> {
  if (action.runs.using !== "node") throw new Error("not a node action");
  const runs = action.runs;
  const workspace = scope.rt.workspace;
  const nodeScope: StepScope = { ...scope, action: { path: scope.action?.path ?? "", repository: info?.repository ?? "", ref: info?.ref ?? "" } };
  const stage = (file: string, state: Record<string, string>, log = scope.log) =>
    runProcess({ ...nodeScope, log }, def.id, env, { command: scope.rt.run.nodePath, args: [join(action.dir, file)], cwd: workspace, extraEnv: { ...inputEnv(inputs), ...stateEnv(state) } });

  // ACT-05: a repository action's `pre` ran as its own step at the start of the job (pre-steps.ts).
  const ranPre = scope.rt.preState.get(def);
  const state: Record<string, string> = { ...(ranPre ?? {}) };
  if (runs.pre && !ranPre) {
    if (!info?.repository) scope.log(`##[warning]'pre' is not supported for local actions: ${runs.pre} of ${action.name} is not run.`);
    else if (scope.composite) scope.log(`##[warning]'pre' of ${action.name} is not run: it is inside a local composite action, whose steps are only known once it runs.`);
    else {
      const pre = await stage(runs.pre, state);
      Object.assign(state, pre.effects?.state ?? {});
      if (pre.result !== "success") return pre;
    }
  }
  const main = await stage(runs.main, state);
  Object.assign(state, main.effects?.state ?? {});
  if (runs.post) {
    const rt = scope.rt;
    const post = runs.post;
    const condition = runs.postIf ?? "always()";
    scope.post.push({
      name: `Post ${action.name}`,
      condition: () => evaluateCondition(condition, { ...stepContexts(scope, env, def.id), inputs, steps: {} }, stepStatusFunctions(workspace, () => rt.status, () => rt.status === "cancelled")),
      run: async (log) => (await stage(post, { ...state }, log)).result === "success" ? "success" : "failure",
    });
  }
  return main;
}
