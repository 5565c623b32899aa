import { onHost, type Mount } from "../docker/context.js";
import { realpathSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import type { Contexts, ExtraFunctions } from "../../expressions/index.js";
import { evaluateStringMap, evaluateString } from "../../expressions/index.js";
import { loadAction, type ActionDef, type StepDef } from "../../workflow/index.js";
import type { Result } from "../../contract/index.js";
import { runComposite, type StepRunner } from "./composite.js";
import { runDockerAction } from "./docker-action.js";
import { runContainerStep } from "./docker-step.js";
import { splitCommandLine } from "../steps/shell.js";
import { runNodeAction } from "./node-action.js";
import { failStep, type ProcessOutcome } from "../steps/run-process.js";
import type { JobState } from "../job-state.js";
import type { StepScope } from "../steps/scope.js";
import { locateRepo } from "./action-source.js";
import { findShim } from "./shims/index.js";
import { stepContexts } from "../steps/scope.js";
import { parseUses } from "./uses.js";

/**
 * STEP-18: the action's inputs: `with` values (names case-insensitive), else the declared
 * default evaluated with the contexts ACT-04 allows, else "".
 */
export function resolveInputs(
  action: ActionDef,
  given: Record<string, string>,
  ctx: Contexts,
  fns: ExtraFunctions,
  log: (l: string) => void,
): Record<string, string> {
  const out: Record<string, string> = {};
  const lower = new Map(Object.entries(given).map(([k, v]) => [k.toLowerCase(), v]));
  for (const input of action.inputs) {
    const v = lower.get(input.id.toLowerCase());
    lower.delete(input.id.toLowerCase());
    if (v !== undefined) {
      out[input.id] = v;
      if (input.deprecationMessage)
        log(`##[warning]Input '${input.id}' has been deprecated with message: ${input.deprecationMessage}`);
    } else {
      out[input.id] = evaluateString(input.default, { ...ctx, env: {}, steps: {}, secrets: {} }, fns) ?? "";
    }
  }
  const unexpected = [...lower.keys()].filter(
    (k) => action.runs.using !== "docker" || (k !== "args" && k !== "entrypoint"),
  );
  if (unexpected.length)
    log(
      `##[warning]Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${action.inputs.map((i) => i.id).join("', '")}']`,
    );
  for (const [k, v] of Object.entries(given)) if (!(k in out)) out[k] = v;
  return out;
}

/** A remote action's definition, loaded once per job (the action cache does not change under a run). */
export function loadRemoteAction(state: JobState, dir: string, shownAs: string): Result<ActionDef> {
  const known = state.knownAction(dir);
  if (known) return { ok: true, value: known };
  const loaded = loadAction(dir, shownAs);
  if (loaded.ok) state.rememberAction(dir, loaded.value);
  return loaded;
}

const mapValues = (o: Record<string, string>, f: (v: string) => string) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

/** Each line of a value (a `path:` list, `!` excludes too) that names a container path, as the host sees it. */
const hostPaths = (mounts: Mount[], value: string): string =>
  value.replace(
    /^(\s*!?)(\/\S.*?)(\s*)$/gm,
    (_, lead: string, path: string, tail: string) => lead + onHost(mounts, path) + tail,
  );

/** A `uses:` step: a built-in shim, a local action, or a cached remote one; Docker needs an engine. */
export async function runAction(
  def: StepDef,
  scope: StepScope,
  ctx: Contexts,
  fns: ExtraFunctions,
  env: Record<string, string>,
  runStep: StepRunner,
): Promise<ProcessOutcome> {
  const uses = def.uses ?? "";
  const parsed = parseUses(uses);
  if (!parsed.ok) {
    return failStep(scope, parsed.error);
  }
  const ref = parsed.value;
  const withValues = evaluateStringMap(def.with, ctx, fns);
  if (ref.kind === "docker") {
    // STEP-16: `with: args` and `entrypoint` for docker:// steps.
    return runContainerStep(def, scope, env, {
      image: uses,
      entrypoint: withValues.entrypoint || undefined,
      args: splitCommandLine(withValues.args ?? ""),
      extraEnv: {},
      label: `step '${uses}'`,
    });
  }
  let action: ActionDef;
  let actionInfo: StepScope["action"];
  const workspace = scope.rt.workspace;
  if (ref.kind === "remote") {
    const shim = findShim(ref.slug, ref.path);
    // Built-in actions run on the host: in a job container, the container's paths they are given are the host's again.
    const mounts = scope.rt.container?.mounts;
    if (shim) {
      const outcome = await shim.run({
        scope,
        def,
        ref,
        with: mounts ? mapValues(withValues, (v) => hostPaths(mounts, v)) : withValues,
        env,
        ctx,
      });
      if (outcome.changes) scope.rt.state.apply(outcome.changes);
      return outcome;
    }
    const located = await locateRepo(scope.rt.services.actions, ref.owner, ref.repo, ref.ref, "Action");
    if (!located.ok) {
      return failStep(scope, ...located.error);
    }
    const found = located.value;
    if (found.via === "override")
      scope.log(`stax: ${ref.slug}@${ref.ref} comes from the local folder ${found.dir} (--action)`);
    if (found.via === "fetch") scope.log(`stax: fetched ${ref.slug}@${ref.ref} into the action cache`);
    const dir = join(found.dir, ref.path);
    const loaded = loadRemoteAction(scope.rt.state, dir, uses);
    if (!loaded.ok) {
      return failStep(scope, loaded.error);
    }
    action = loaded.value;
    actionInfo = { path: dir, repository: ref.slug, ref: ref.ref };
  } else {
    const dir = resolve(workspace, ref.path);
    // parseUses refused `..`; a symlink in the checkout could still lead out of it.
    if (!inside(workspace, dir))
      return failStep(
        scope,
        `'${uses}' leaves the job's checkout (through a symbolic link): a local action must live inside the repository`,
      );
    const loaded = loadAction(dir, ref.path);
    if (!loaded.ok) {
      return failStep(scope, loaded.error);
    }
    action = loaded.value;
    actionInfo = { path: dir, repository: "", ref: "" };
  }
  const inputs = resolveInputs(action, withValues, stepContexts(scope, env, def.id), fns, scope.log);
  return HANDLERS[action.runs.using]({
    action,
    info: actionInfo,
    inputs,
    with: withValues,
    uses,
    def,
    scope,
    env,
    fns,
    runStep,
  });
}

/** What an action handler gets: the loaded action, where it lives, its resolved inputs, the step and its scope. */
export interface ActionCall {
  action: ActionDef;
  info: StepScope["action"];
  inputs: Record<string, string>;
  /** The step's evaluated `with` (a Docker action's `args` and `entrypoint` come from it). */
  with: Record<string, string>;
  uses: string;
  def: StepDef;
  scope: StepScope;
  env: Record<string, string>;
  fns: ExtraFunctions;
  /** Runs a step of a composite action (the job's step runner, passed in rather than imported). */
  runStep: StepRunner;
}

/** How each kind of action runs, by its `runs.using` (ACT-01, COMP-*, DOCKER-*). */
const HANDLERS: Record<ActionDef["runs"]["using"], (call: ActionCall) => Promise<ProcessOutcome>> = {
  node: (c) => runNodeAction(c.action, c.info, c.inputs, c.def, c.scope, c.env),
  composite: (c) => runComposite(c.action, c.info, c.inputs, c.def, c.scope, c.env, c.runStep),
  // DOCK-04: pre-entrypoint, entrypoint and post-entrypoint in docker-action.ts.
  docker: (c) =>
    runDockerAction({
      action: c.action,
      inputs: c.inputs,
      uses: c.uses,
      def: c.def,
      scope: c.scope,
      env: c.env,
      fns: c.fns,
      with: c.with,
      repository: c.info?.repository ?? "",
    }),
};

/** Whether `dir`, with its symbolic links resolved, is `root` or below it (a missing `dir` is left to the loader's error). */
function inside(root: string, dir: string): boolean {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    return true;
  }
  const base = realpathSync(root);
  return real === base || real.startsWith(base.endsWith(sep) ? base : base + sep);
}
