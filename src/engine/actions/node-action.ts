import { createHash } from "node:crypto";
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { evaluateCondition } from "../../expressions/index.js";
import type { ActionDef, StepDef } from "../../workflow/index.js";
import { runProcess, type ProcessOutcome, type StartProcess } from "../steps/run-process.js";
import { execInContainer } from "../docker/container-process.js";
import { containerEnv, inContainer } from "../docker/context.js";
import { stepStatusFunctions } from "../runtime.js";
import type { StepScope } from "../steps/scope.js";
import { stepContexts } from "../steps/scope.js";

/** An action's folder copied into the job's temp folder (once per job), where a job container sees it. */
async function copyIntoJob(actionDir: string, jobTemp: string): Promise<string> {
  const dest = join(jobTemp, "_actions", createHash("sha256").update(actionDir).digest("hex").slice(0, 16));
  await cp(actionDir, dest, { recursive: true, force: false, errorOnExist: false });
  return dest;
}

/** ACT-03: `INPUT_<NAME>`, upper-cased, spaces to `_`, hyphens kept. */
export function inputEnv(inputs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.replace(/ /g, "_").toUpperCase()}`, v]));
}

const stateEnv = (state: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));

/**
 * A JavaScript action (ACT-02): `node <dir>/<main>` in the workspace with INPUT_* and STATE_*.
 * node12/16/20/24 all run on the Node that runs stax (ACT-01). A `post` is registered only once
 * main ran (ACT-06) and gets the state main saved (FILE-07). In a job container the action runs
 * inside it, as on GitHub: its folder is copied into the job's temp folder (mounted there) and
 * run by the image's Node, or by the mounted one.
 */
export async function runNodeAction(
  action: ActionDef,
  info: StepScope["action"],
  inputs: Record<string, string>,
  def: StepDef,
  scope: StepScope,
  env: Record<string, string>,
): Promise<ProcessOutcome> {
  if (action.runs.using !== "node") throw new Error("not a node action");
  const runs = action.runs;
  const rt = scope.rt;
  const workspace = rt.workspace;
  const container = rt.container && rt.services.docker ? rt.container : undefined;
  const dir = container ? await copyIntoJob(action.dir, rt.temp) : action.dir;
  const nodeScope: StepScope = {
    ...scope,
    action: {
      path: container ? dir : (scope.action?.path ?? ""),
      repository: info?.repository ?? "",
      ref: info?.ref ?? "",
    },
  };
  const inside = (file: string): StartProcess | undefined => {
    if (!container) return undefined;
    const engine = rt.services.docker!;
    return (procEnv, onLine) =>
      execInContainer(
        engine,
        container.id,
        {
          Cmd: [container.node, inContainer(container.mounts, join(dir, file))],
          Env: containerEnv(procEnv, rt.run.hostEnv, container.mounts),
          WorkingDir: inContainer(container.mounts, workspace),
        },
        onLine,
      );
  };
  const stage = (file: string, state: Record<string, string>, log = scope.log) =>
    runProcess({ ...nodeScope, log }, def.id, env, {
      command: container?.node ?? rt.run.nodePath,
      args: [join(dir, file)],
      cwd: workspace,
      extraEnv: { ...inputEnv(inputs), ...stateEnv(state) },
      start: inside(file),
    });

  // ACT-05: a repository action's `pre` ran as its own step at the start of the job (pre-steps.ts).
  const ranPre = rt.state.preStateOf(def);
  const state: Record<string, string> = { ...(ranPre ?? {}) };
  if (runs.pre && !ranPre) {
    if (!info?.repository)
      scope.log(`##[warning]'pre' is not supported for local actions: ${runs.pre} of ${action.name} is not run.`);
    else if (scope.composite)
      scope.log(
        `##[warning]'pre' of ${action.name} is not run: it is inside a local composite action, whose steps are only known once it runs.`,
      );
    else {
      const pre = await stage(runs.pre, state);
      Object.assign(state, pre.effects?.state ?? {});
      if (pre.result !== "success") return pre;
    }
  }
  const main = await stage(runs.main, state);
  Object.assign(state, main.effects?.state ?? {});
  if (runs.post) {
    const post = runs.post;
    const condition = runs.postIf ?? "always()";
    scope.addPost({
      name: `Post ${action.name}`,
      condition: () =>
        evaluateCondition(
          condition,
          { ...stepContexts(scope, env, def.id), inputs, steps: {} },
          stepStatusFunctions(
            workspace,
            () => rt.state.status,
            () => rt.state.cancelled,
          ),
        ),
      run: async (log) => ((await stage(post, { ...state }, log)).result === "success" ? "success" : "failure"),
    });
  }
  return main;
}
