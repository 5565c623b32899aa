import { delimiter } from "node:path";
import { githubEnv } from "../context/github-context.js";
import type { FileCommandPaths } from "../io/file-commands.js";
import { TRACKING_VAR } from "../io/orphans.js";
import { stepGithub, type StepScope } from "./scope.js";

/**
 * ENV-05: the process environment of a step: host env, then the env context, then the action's
 * INPUT_* / STATE_*, then GITHUB_* and RUNNER_* (which user env cannot override), with
 * GITHUB_PATH entries prepended to PATH.
 */
export function processEnv(scope: StepScope, env: Record<string, string>, stepId: string, files: FileCommandPaths | undefined, extra: Record<string, string> = {}): Record<string, string> {
  const rt = scope.rt;
  const out: Record<string, string> = { ...rt.run.hostEnv, ...env, ...extra, ...githubEnv(stepGithub(scope, stepId)) };
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

/** The PATH a step process gets: the job's GITHUB_PATH entries, then the env context's PATH (else the host's). */
export function stepPath(rt: StepScope["rt"], env: Record<string, string>): string {
  const basePath = env.PATH ?? rt.run.hostEnv.PATH ?? "/usr/local/bin:/usr/bin:/bin";
  return rt.state.path.length ? `${rt.state.path.join(delimiter)}${delimiter}${basePath}` : basePath;
}
