/**
 * A Docker action's three stages (DOCK-04): `pre-entrypoint`, the entrypoint, `post-entrypoint`,
 * each in a fresh container of the action's image. The pre stage of a repository action runs as
 * its own `Pre` step at the start of the job (job/pre-steps.ts), the post stage as a `Post` step
 * under `post-if` (default `always()`, ACT-07); the state one stage saves (GITHUB_STATE) reaches
 * the next as STATE_* variables (FILE-07). `with: args`/`entrypoint` override the action's own
 * for the main stage; the pre and post stages get the action's `args`.
 */
import type { ExtraFunctions } from "../../expressions/index.js";
import { evaluateCondition, evaluateStringMap, evaluateToken } from "../../expressions/index.js";
import type { ActionDef, StepDef } from "../../workflow/index.js";
import { stepStatusFunctions } from "../runtime.js";
import type { ProcessOutcome } from "../steps/run-process.js";
import { stepContexts, type StepScope } from "../steps/scope.js";
import { splitCommandLine } from "../steps/shell.js";
import { runContainerStep } from "./docker-step.js";
import { inputEnv } from "./node-action.js";

type DockerRuns = Extract<ActionDef["runs"], { using: "docker" }>;

export interface DockerStage {
  action: ActionDef;
  inputs: Record<string, string>;
  uses: string;
  def: StepDef;
  scope: StepScope;
  env: Record<string, string>;
  fns: ExtraFunctions;
  /** The step's `with: args` and `entrypoint` (main stage only). */
  with?: Record<string, string>;
  state?: Record<string, string>;
}

const stateEnv = (state: Record<string, string>) =>
  Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));

function dockerRuns(action: ActionDef): DockerRuns {
  if (action.runs.using !== "docker") throw new Error("not a Docker action");
  return action.runs;
}

/** Runs one stage of the action in a container; `entrypoint` undefined: the image's own. */
export function runDockerStage(s: DockerStage, stage: "pre" | "main" | "post"): Promise<ProcessOutcome> {
  const runs = dockerRuns(s.action);
  const actx = { ...stepContexts(s.scope, s.env, s.def.id), inputs: s.inputs };
  const given = stage === "main" ? (s.with ?? {}) : {};
  const args =
    given.args !== undefined
      ? splitCommandLine(given.args)
      : ((evaluateToken(runs.args, actx, s.fns) as unknown[] | undefined) ?? []).map(String);
  const actionEnv = evaluateStringMap(runs.env, actx, s.fns);
  const entrypoint =
    stage === "pre" ? runs.preEntrypoint : stage === "post" ? runs.postEntrypoint : given.entrypoint || runs.entrypoint;
  const label = `Docker action '${s.uses}'`;
  return runContainerStep(s.def, s.scope, s.env, {
    image: runs.image,
    actionDir: s.action.dir,
    entrypoint,
    args,
    extraEnv: { ...inputEnv(s.inputs), ...actionEnv, ...stateEnv(s.state ?? {}) },
    label,
  });
}

/** The main step of a Docker action: its pre stage when the job's start did not run it, the main stage, its post stage registered. */
export async function runDockerAction(s: DockerStage & { repository: string }): Promise<ProcessOutcome> {
  const runs = dockerRuns(s.action);
  const rt = s.scope.rt;
  const ranPre = rt.state.preStateOf(s.def);
  const state: Record<string, string> = { ...(ranPre ?? {}) };
  if (runs.preEntrypoint && !ranPre) {
    if (!s.repository)
      s.scope.log(
        `##[warning]'pre-entrypoint' is not supported for local actions: ${runs.preEntrypoint} of ${s.action.name} is not run.`,
      );
    else {
      const pre = await runDockerStage({ ...s, state }, "pre");
      Object.assign(state, pre.effects?.state ?? {});
      if (pre.result !== "success") return pre;
    }
  }
  const main = await runDockerStage({ ...s, state }, "main");
  Object.assign(state, main.effects?.state ?? {});
  if (runs.postEntrypoint) {
    const condition = runs.postIf ?? "always()";
    s.scope.addPost({
      name: `Post ${s.action.name}`,
      condition: () =>
        evaluateCondition(
          condition,
          { ...stepContexts(s.scope, s.env, s.def.id), inputs: s.inputs, steps: {} },
          stepStatusFunctions(
            rt.workspace,
            () => rt.state.status,
            () => rt.state.cancelled,
          ),
        ),
      run: async (log) =>
        (await runDockerStage({ ...s, scope: { ...s.scope, log }, state: { ...state } }, "post")).result === "success"
          ? "success"
          : "failure",
    });
  }
  return main;
}
