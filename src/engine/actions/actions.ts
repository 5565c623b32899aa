import { onHost, type Mount } from "../docker/context.js";
import { join, resolve } from "node:path";
import type { Contexts, ExtraFunctions } from "../../expressions/index.js";
import { evaluateStringMap, evaluateString, evaluateToken } from "../../expressions/index.js";
import { loadAction, type ActionDef, type ActionLoad, type StepDef } from "../../workflow/index.js";
import { runComposite } from "./composite.js";
import { runContainerStep, splitArgs } from "./docker-step.js";
import { inputEnv, runNodeAction } from "./node-action.js";
import type { ProcessOutcome } from "../steps/run-process.js";
import type { JobRuntime } from "../runtime.js";
import type { StepScope } from "../steps/scope.js";
import { locateRepo } from "./action-source.js";
import { findShim } from "./shims/index.js";
import { stepContexts } from "../steps/scope.js";

/** A parsed `uses:` value (STEP-16). */
export type ActionRef =
  | { kind: "local"; path: string }
  | { kind: "docker"; image: string }
  | { kind: "remote"; owner: string; repo: string; path: string; ref: string; slug: string };

export function parseUses(uses: string): ActionRef | { error: string } {
  if (uses.startsWith("./") || uses === ".") return { kind: "local", path: uses };
  if (uses.startsWith("docker://")) return { kind: "docker", image: uses.slice("docker://".length) };
  const m = /^([^/@\s]+)\/([^/@\s]+)(\/[^@\s]*)?@(\S+)$/.exec(uses);
  if (!m) return { error: `'${uses}' is not a valid action reference: use ./path, owner/repo[/path]@ref or docker://image` };
  return { kind: "remote", owner: m[1], repo: m[2], path: (m[3] ?? "").replace(/^\//, ""), ref: m[4], slug: `${m[1]}/${m[2]}` };
}

/**
 * STEP-18: the action's inputs: `with` values (names case-insensitive), else the declared
 * default evaluated with the contexts ACT-04 allows, else "".
 */
export function resolveInputs(action: ActionDef, given: Record<string, string>, ctx: Contexts, fns: ExtraFunctions, log: (l: string) => void): Record<string, string> {
  const out: Record<string, string> = {};
  const lower = new Map(Object.entries(given).map(([k, v]) => [k.toLowerCase(), v]));
  for (const input of action.inputs) {
    const v = lower.get(input.id.toLowerCase());
    lower.delete(input.id.toLowerCase());
    if (v !== undefined) {
      out[input.id] = v;
      if (input.deprecationMessage) log(`##[warning]Input '${input.id}' has been deprecated with message: ${input.deprecationMessage}`);
    } else {
      out[input.id] = evaluateString(input.default, { ...ctx, env: {}, steps: {}, secrets: {} }, fns) ?? "";
    }
  }
  const unexpected = [...lower.keys()].filter((k) => action.runs.using !== "docker" || (k !== "args" && k !== "entrypoint"));
  if (unexpected.length) log(`##[warning]Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${action.inputs.map((i) => i.id).join("', '")}']`);
  for (const [k, v] of Object.entries(given)) if (!(k in out)) out[k] = v;
  return out;
}

/** A remote action's definition, loaded once per job (the action cache does not change under a run). */
export function loadRemoteAction(rt: JobRuntime, dir: string, shownAs: string): ActionLoad {
  const known = rt.remoteActions.get(dir);
  if (known) return { ok: true, action: known };
  const loaded = loadAction(dir, shownAs);
  if (loaded.ok) rt.remoteActions.set(dir, loaded.action);
  return loaded;
}

const mapValues = (o: Record<string, string>, f: (v: string) => string) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

/** Each line of a value (a `path:` list, `!` excludes too) that names a container path, as the host sees it. */
const hostPaths = (mounts: Mount[], value: string): string => value.replace(/^(\s*!?)(\/\S.*?)(\s*)$/gm, (_, lead: string, path: string, tail: string) => lead + onHost(mounts, path) + tail);

/** A `uses:` step: a built-in shim, a local action, or a cached remote one; Docker needs an engine. */
export async function runAction(def: StepDef, scope: StepScope, ctx: Contexts, fns: ExtraFunctions, env: Record<string, string>): Promise<ProcessOutcome> {
  const uses = def.uses ?? "";
  const ref = parseUses(uses);
  if ("error" in ref) {
    scope.log(`##[error]${ref.error}`);
    return { result: "failure" };
  }
  const withValues = evaluateStringMap(def.with, ctx, fns);
  if (ref.kind === "docker") {
    // STEP-16: `with: args` and `entrypoint` for docker:// steps.
    return runContainerStep(def, scope, env, { image: uses, entrypoint: withValues.entrypoint || undefined, args: splitArgs(withValues.args ?? ""), extraEnv: {}, label: `step '${uses}'` });
  }
  let action: ActionDef;
  let actionInfo: StepScope["action"];
  const workspace = scope.rt.workspace;
  if (ref.kind === "remote") {
    const shim = findShim(ref.slug, ref.path);
    // Built-in actions run on the host: in a job container, the container's paths they are given are the host's again.
    const mounts = scope.rt.container?.mounts;
    if (shim) return shim.run({ scope, def, ref, with: mounts ? mapValues(withValues, (v) => hostPaths(mounts, v)) : withValues, env, ctx });
    const found = await locateRepo(scope.rt.run.opts.actions, ref.owner, ref.repo, ref.ref, "Action");
    if ("error" in found) {
      for (const line of found.error) scope.log(`##[error]${line}`);
      return { result: "failure" };
    }
    if (found.via === "override") scope.log(`stax: ${ref.slug}@${ref.ref} comes from the local folder ${found.dir} (--action)`);
    if (found.via === "fetch") scope.log(`stax: fetched ${ref.slug}@${ref.ref} into the action cache`);
    const dir = join(found.dir, ref.path);
    const loaded = loadRemoteAction(scope.rt, dir, uses);
    if (!loaded.ok) {
      scope.log(`##[error]${loaded.error}`);
      return { result: "failure" };
    }
    action = loaded.action;
    actionInfo = { path: dir, repository: ref.slug, ref: ref.ref };
  } else {
    const dir = resolve(workspace, ref.path);
    const loaded = loadAction(dir, ref.path);
    if (!loaded.ok) {
      scope.log(`##[error]${loaded.error}`);
      return { result: "failure" };
    }
    action = loaded.action;
    actionInfo = { path: dir, repository: "", ref: "" };
  }
  const inputs = resolveInputs(action, withValues, stepContexts(scope, env, def.id), fns, scope.log);
  switch (action.runs.using) {
    case "node":
      return runNodeAction(action, actionInfo, inputs, def, scope, env);
    case "composite":
      return runComposite(action, actionInfo, inputs, def, scope, env);
    case "docker": {
      const runs = action.runs;
      const actx = { ...stepContexts(scope, env, def.id), inputs };
      const args = withValues.args !== undefined ? splitArgs(withValues.args) : ((evaluateToken(runs.args, actx, fns) as unknown[] | undefined) ?? []).map(String);
      const actionEnv = evaluateStringMap(runs.env, actx, fns);
      return runContainerStep(def, scope, env, { image: runs.image, actionDir: action.dir, entrypoint: withValues.entrypoint || runs.entrypoint, args, extraEnv: { ...inputEnv(inputs), ...actionEnv }, label: `Docker action '${uses}'` });
    }
  }
}
