import { join, resolve } from "node:path";
import type { Job } from "../../contract/index.js";
import { formatDiagnostic } from "../../contract/index.js";
import { evaluateString, evaluateStringMap, evaluateToken } from "../../expressions/index.js";
import { coerceInputs, loadWorkflow, type JobDef } from "../../workflow/index.js";
import { locateRepo } from "../actions/action-source.js";
import { runGraph } from "./graph.js";
import { aggregate } from "./needs.js";
import { failHolder } from "../job/setup-step.js";
import type { GraphScope, JobResult, RunRuntime } from "../runtime.js";
import { errorMessage } from "../../contract/index.js";

/** RW-09: caller plus nine levels. */
export const MAX_REUSABLE_DEPTH = 9;

/**
 * A job that calls a reusable workflow (RW-*): the callee's jobs run as `caller / callee` jobs
 * of this run with the caller's github context, the given inputs and secrets, and without
 * the caller's env; its declared outputs become the caller job's outputs.
 */
export async function runReusable(
  run: RunRuntime,
  graph: GraphScope,
  def: JobDef,
  holder: Job,
  needs: Record<string, JobResult>,
  matrix: Record<string, unknown> | null,
  strategy: Record<string, unknown>,
  legSuffix: string,
): Promise<JobResult> {
  const uses = def.uses ?? "";
  if (graph.depth + 1 > MAX_REUSABLE_DEPTH)
    return failHolder(
      run,
      holder,
      `reusable workflows are nested more than ${MAX_REUSABLE_DEPTH + 1} levels deep at '${uses}'`,
    );
  // RW-01: ./ is the caller's own repository; owner/repo/…@ref comes from the action cache (or a fetch).
  let root = graph.root ?? run.opts.workspace;
  let file: string;
  const remote = /^([^/\s]+)\/([^/\s]+)\/(\.github\/workflows\/[^@\s]+\.ya?ml)@(\S+)$/.exec(uses);
  if (uses.startsWith("./")) file = resolve(root, uses);
  else if (remote) {
    const found = await locateRepo(run.opts.actions, remote[1], remote[2], remote[4], "Reusable workflow");
    if (!found.ok) return failHolder(run, holder, found.error.join("\n"));
    root = found.value.dir;
    file = join(found.value.dir, remote[3]);
  } else
    return failHolder(
      run,
      holder,
      `'${uses}' is not a reusable workflow reference: use ./.github/workflows/x.yml or owner/repo/.github/workflows/x.yml@ref`,
    );
  const callee = await loadWorkflow(file, root);
  if (callee.errors.length || !callee.definition)
    return failHolder(
      run,
      holder,
      `invalid reusable workflow '${uses}':\n${callee.errors.map(formatDiagnostic).join("\n")}`,
    );
  if (!("workflow_call" in callee.definition.on))
    return failHolder(run, holder, `'${uses}' cannot be called: its 'on' has no 'workflow_call' (RW-01)`);

  const ctx = { github: run.github, vars: run.vars, inputs: graph.inputs, needs, strategy, matrix };
  let inputs: Record<string, unknown>;
  let secrets: Record<string, string>;
  let name = def.id;
  try {
    const given = (evaluateToken(def.with, ctx) ?? {}) as Record<string, unknown>;
    const coerced = coerceInputs(callee.inputs.workflow_call, given);
    if (coerced.errors.length) return failHolder(run, holder, `calling '${uses}': ${coerced.errors.join("; ")}`);
    inputs = coerced.inputs;
    secrets = def.inheritSecrets
      ? { ...graph.secrets }
      : evaluateStringMap(def.secrets, { ...ctx, secrets: graph.secrets });
    name = evaluateString(def.name, ctx) ?? def.id;
  } catch (err) {
    return failHolder(run, holder, errorMessage(err));
  }
  run.reporter.addJobs([], holder);
  const prefix = `${holder.id}${legSuffix ? ` ${legSuffix}` : ""} / `;
  const scope: GraphScope = {
    def: callee.definition,
    workflow: callee,
    inputs,
    secrets,
    idPrefix: prefix,
    caller: graph.caller ?? holder.definitionId,
    namePrefix: `${graph.namePrefix}${name}${legSuffix ? ` ${legSuffix}` : ""} / `,
    depth: graph.depth + 1,
    root,
  };
  const results = await runGraph(run, scope);
  const folded = aggregate([...results.values()]);
  const jobs = Object.fromEntries([...results].map(([id, r]) => [id, r]));
  const outputs: Record<string, string> = {};
  for (const [key, token] of callee.definition.callOutputs) {
    try {
      const v = evaluateString(token, { github: run.github, vars: run.vars, inputs, jobs });
      if (v) outputs[key] = v;
    } catch (err) {
      return failHolder(run, holder, `output '${key}' of '${uses}': ${errorMessage(err)}`);
    }
  }
  return { result: folded.result, outputs };
}
