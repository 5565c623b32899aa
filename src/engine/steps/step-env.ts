import { delimiter, join } from "node:path";
import { githubEnv } from "../context/github-context.js";
import type { FileCommandPaths } from "../io/file-commands.js";
import { TRACKING_VAR } from "../io/orphans.js";
import { privateHomeEnv } from "./private-home.js";
import { stepGithub, type StepScope } from "./scope.js";

/**
 * ENV-05: the process environment of a step: host env, then the env context, then the action's
 * INPUT_* / STATE_*, then GITHUB_* and RUNNER_* (which user env cannot override), with
 * GITHUB_PATH entries prepended to PATH.
 */
export function processEnv(
  scope: StepScope,
  env: Record<string, string>,
  stepId: string,
  files: FileCommandPaths | undefined,
  extra: Record<string, string> = {},
): Record<string, string> {
  const rt = scope.rt;
  const out: Record<string, string> = {
    ...rt.run.hostEnv,
    ...jobToolEnv(rt),
    ...env,
    ...extra,
    ...githubEnv(stepGithub(scope, stepId)),
  };
  out.CI = "true";
  out.GITHUB_ACTIONS = "true";
  for (const [k, v] of Object.entries(rt.runner)) out[`RUNNER_${k.toUpperCase()}`] = v;
  if (scope.action?.path) out.GITHUB_ACTION_PATH = scope.action.path;
  if (files) Object.assign(out, files);
  out.PATH = stepPath(scope.rt, env);
  // Last, so that no env: can take a process out of the job's clean-up (a script still can, as on GitHub).
  out[TRACKING_VAR] = rt.trackingId;
  return out;
}

/**
 * The npm prefix of a job's own, thrown away with its temp folder: `npm i -g` in a step installs
 * there, never into a Node of the tool cache (which every later run would use) nor into the
 * machine's prefix. Not for a job container, whose npm writes inside the container.
 */
export function jobNpmPrefix(rt: StepScope["rt"]): string | undefined {
  return rt.container ? undefined : join(rt.temp, "_stax_tools", "npm-prefix");
}

/**
 * Where setup-node links the chosen Node's `corepack` for the job (actions/shims/setup-node.ts),
 * on the PATH right after the npm prefix: `corepack enable` puts its shims beside the `corepack`
 * it finds first, so they land here, not in the tool cache; a corepack the job installs with
 * `npm i -g` comes first and gets them instead.
 */
export function jobCorepackDir(rt: StepScope["rt"]): string | undefined {
  return rt.container ? undefined : join(rt.temp, "_stax_tools", "corepack");
}

/** What every step process of the job gets beside the host's variables (the env context may override it). */
function jobToolEnv(rt: StepScope["rt"]): Record<string, string> {
  const prefix = jobNpmPrefix(rt);
  return { ...(prefix ? { npm_config_prefix: prefix } : {}), ...privateHomeEnv(rt) };
}

/**
 * The PATH a step process gets: the job's npm prefix (its global installs come first, as they
 * would in the Node's own folder that setup-node puts first), the job's corepack folder, the job's GITHUB_PATH entries,
 * then the env context's PATH (else the host's).
 */
export function stepPath(rt: StepScope["rt"], env: Record<string, string>): string {
  const basePath = env.PATH ?? rt.run.hostEnv.PATH ?? "/usr/local/bin:/usr/bin:/bin";
  const prefix = jobNpmPrefix(rt);
  const corepack = jobCorepackDir(rt);
  return [...(prefix ? [join(prefix, "bin")] : []), ...(corepack ? [corepack] : []), ...rt.state.path, basePath].join(
    delimiter,
  );
}
