import { existsSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { formatDiagnostic, StaxError, type CreateRunRequest, type SandboxStrategy } from "../contract/index.js";
import {
  checkRunRequest,
  defaultEvent,
  resolveWorkflow,
  unknownEvent,
  workflowFiles,
  type LoadedWorkflow,
} from "../workflow/index.js";
import { collect, dotenvFile, jsonFile, pairs } from "./options.js";

export { collect };

/** The flags of `stax run`. */
export interface RunFlags {
  workspace?: string;
  event?: string;
  eventFile?: string;
  input?: string[];
  secret?: string[];
  secretFile?: string;
  env?: string[];
  envFile?: string;
  job?: string[];
  json?: boolean;
  action?: string[];
  /** `--strict`: an event the workflow does not trigger on is an error, not a warning. */
  strict?: boolean;
  /** `--platform LABEL=host` (repeatable). */
  platform?: string[];
  var?: string[];
  varFile?: string;
  matrix?: string[];
  inputFile?: string;
  actor?: string;
  /** act's name for --event-file. */
  eventpath?: string;
  /** pull_request: the base branch (default: the repository's default branch). */
  base?: string;
  /** `-W` (act's): a workflow file, or a folder whose workflows the event may trigger. */
  workflows?: string;
}

/** Everything a run needs, resolved and checked from the command line. */
export interface RunPlan {
  workspace: string;
  workflow: LoadedWorkflow;
  event: string;
  eventPayload?: Record<string, unknown>;
  inputs: Record<string, unknown>;
  secrets: Record<string, string>;
  env: Record<string, string>;
  jobs?: string[];
  /** `--action owner/repo@ref=DIR` overrides, folders absolute. */
  actions: Record<string, string>;
  /** runs-on labels mapped to this machine (`--platform LABEL=host`). */
  platforms: Record<string, string>;
  /** Lines to print before the run (e.g. the event is not one of the workflow's triggers). */
  warnings?: string[];
  /** `--var`, `--var-file`: run-level variables, over the stored ones (CTX-08). */
  vars: Record<string, string>;
  /** `--matrix key:value`: the legs to run. */
  matrix?: Record<string, string[]>;
  actor?: string;
}

/** The parts of a plan that come from the flags alone, the same for every workflow of a run. */
export type CommonPlan = Pick<
  RunPlan,
  "eventPayload" | "secrets" | "env" | "actions" | "vars" | "matrix" | "actor" | "platforms"
> & { given: Record<string, unknown> };

/** `--matrix key:value` (repeatable, act's syntax) → key → values. */
function matrixFilter(specs: string[] | undefined): Record<string, string[]> | undefined {
  if (!specs?.length) return undefined;
  const out: Record<string, string[]> = {};
  for (const spec of specs) {
    const colon = spec.indexOf(":");
    if (colon <= 0) throw new StaxError("BAD_REQUEST", `--matrix expects key:value, got '${spec}'`);
    (out[spec.slice(0, colon)] ??= []).push(spec.slice(colon + 1));
  }
  return out;
}

/** The event named by `-e` (checked against GitHub's events: unknown is exit 2), if any. */
export function checkedEvent(event: string | undefined): string | undefined {
  const unknown = event === undefined ? undefined : unknownEvent(event);
  if (unknown) throw new StaxError("BAD_REQUEST", unknown);
  return event;
}

/** act's default files: read from the workspace when there and their flag is not given. */
const ACT_FILES = [
  ["secretFile", "--secret-file", ".secrets"],
  ["envFile", "--env-file", ".env"],
  ["varFile", "--var-file", ".vars"],
  ["inputFile", "--input-file", ".input"],
] as const;

/** Default files already said on stderr (a `--watch` plans again on every change). */
const announced = new Set<string>();

/** The flags with act's default files filled in, each one read said once on stderr (`--env-file ''` reads none). */
function withActFiles(flags: RunFlags, cwd: string): RunFlags {
  const dir = resolve(flags.workspace ?? cwd);
  const out = { ...flags };
  for (const [key, flag, name] of ACT_FILES) {
    const path = join(dir, name);
    if (out[key] !== undefined || !existsSync(path)) continue;
    out[key] = path;
    if (!announced.has(path))
      (announced.add(path),
        process.stderr.write(`stax: reading ${name} as act does (${flag} ${name}; ${flag} '' reads none)\n`));
  }
  return out;
}

/** Reads and checks the flags every planned workflow shares, with act's default files. */
export function commonPlan(cliFlags: RunFlags, cwd: string): CommonPlan {
  const flags = withActFiles(cliFlags, cwd);
  if (flags.eventFile && flags.eventpath && flags.eventFile !== flags.eventpath)
    throw new StaxError("BAD_REQUEST", "--eventpath is another name for --event-file; give one");
  const eventPayload = jsonFile(flags.eventFile ?? flags.eventpath, flags.eventFile ? "--event-file" : "--eventpath");
  const given: Record<string, unknown> = {};
  const fromEvent = eventPayload?.inputs;
  if (fromEvent && typeof fromEvent === "object") Object.assign(given, fromEvent);
  Object.assign(given, dotenvFile(flags.inputFile, "--input-file"), pairs(flags.input, "--input"));
  return {
    eventPayload,
    given,
    secrets: { ...dotenvFile(flags.secretFile, "--secret-file"), ...pairs(flags.secret, "--secret") },
    env: { ...dotenvFile(flags.envFile, "--env-file"), ...pairs(flags.env, "--env") },
    vars: { ...dotenvFile(flags.varFile, "--var-file"), ...pairs(flags.var, "--var") },
    actions: actionOverrides(flags.action, cwd),
    matrix: matrixFilter(flags.matrix),
    platforms: platformMap(flags.platform),
    ...(flags.actor ? { actor: flags.actor } : {}),
  };
}

/**
 * What `-W PATH` names (relative to the current folder, else the workspace): a workflow file (as if
 * given as the argument) or a folder of workflows (instead of `.github/workflows`).
 */
export function workflowsFlag(path: string, cwd: string, workspace: string): { file: string } | { dir: string } {
  for (const p of isAbsolute(path) ? [path] : [resolve(cwd, path), resolve(workspace, path)]) {
    const st = statSync(p, { throwIfNoEntry: false });
    if (st?.isDirectory()) return { dir: p };
    if (st?.isFile()) return { file: p };
  }
  throw new StaxError("WORKFLOW_NOT_FOUND", `-W ${path}: no such workflow file or folder`);
}

/** A plan for one valid workflow and event; bad inputs or unknown `--job` ids are usage errors. */
export function planFor(
  workspace: string,
  workflow: LoadedWorkflow,
  event: string,
  common: CommonPlan,
  jobs: string[] | undefined,
): RunPlan {
  const { given, ...rest } = common;
  const { inputs } = checkRunRequest(workflow, event, given, jobs);
  return { workspace, workflow, event, inputs, jobs: jobs?.length ? jobs : undefined, ...rest };
}

/** `--action owner/repo@ref=DIR` (ref optional: any ref) → the overrides, folders checked and absolute. */
function actionOverrides(specs: string[] | undefined, cwd: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs ?? []) {
    const m = /^([^\s=]+\/[^\s=@]+(?:@[^\s=]+)?)=(.+)$/.exec(spec);
    if (!m) throw new StaxError("BAD_REQUEST", `--action '${spec}' must look like owner/repo@ref=DIR`);
    const dir = resolve(cwd, m[2]);
    if (!existsSync(dir)) throw new StaxError("BAD_REQUEST", `--action ${m[1]}: folder ${dir} does not exist`);
    out[m[1]] = dir;
  }
  return out;
}

/**
 * Resolves `stax run WORKFLOW`'s arguments. Throws StaxError (exit 2) for an unknown or invalid
 * workflow or event, bad inputs, unknown jobs and unreadable files.
 */
export async function planRun(
  ref: string,
  flags: RunFlags,
  cwd: string,
  defaultWorkspace: string,
  common = commonPlan(flags, cwd),
): Promise<RunPlan> {
  const workspace = resolve(flags.workspace ?? defaultWorkspace);
  checkedEvent(flags.event);
  const workflow = await resolveWorkflow(workspace, ref, cwd);
  if (!workflow) {
    const known = (await workflowFiles(workspace)).map((f) => f.slice(workspace.length + 1));
    throw new StaxError(
      "WORKFLOW_NOT_FOUND",
      `unknown workflow '${ref}': no such file, file name or workflow name in ${workspace}${known.length ? ` (workflows: ${known.join(", ")})` : " (it has no .github/workflows)"}`,
    );
  }
  if (workflow.errors.length) {
    throw new StaxError("WORKFLOW_INVALID", workflow.errors.map(formatDiagnostic).join("\n"), workflow.errors);
  }
  const event = flags.event ?? defaultEvent(workflow);
  const warnings = checkTrigger(workflow, event, flags.strict === true);
  return { ...planFor(workspace, workflow, event, common, flags.job), warnings };
}

/**
 * An event the workflow has no trigger for is a warning naming its triggers (GitHub would not
 * run it), an error with --strict. (An unknown event name is refused before, by checkedEvent.)
 */
function checkTrigger(workflow: LoadedWorkflow, event: string, strict: boolean): string[] {
  const triggers = workflow.info.triggers;
  if (triggers.length === 0 || triggers.includes(event)) return [];
  const message = `${workflow.relPath} does not trigger on '${event}' (its triggers: ${triggers.join(", ")}); GitHub would not run it for this event`;
  if (strict) throw new StaxError("BAD_REQUEST", `${message} (--strict)`);
  return [`stax: warning: ${message}; running it anyway`];
}

/**
 * `--platform LABEL=host` and act's `-P LABEL=IMAGE` → the map the engine takes: a job whose
 * `runs-on` has LABEL runs on this machine, or (an image) in a container of that image.
 */
function platformMap(specs: string[] | undefined): Record<string, string> {
  const out = pairs(specs, "--platform");
  for (const [label, target] of Object.entries(out)) {
    if (!target || /\s/.test(target))
      throw new StaxError(
        "BAD_REQUEST",
        `--platform ${label}=${target}: give host (this machine) or a Docker image, e.g. ${label}=host or ${label}=node:20`,
      );
  }
  return out;
}

/** A plan as the API's run request: what `stax run` sends a runner, and stores itself when it runs the plan in this process. */
export function planRequest(
  plan: RunPlan,
  sandbox: SandboxStrategy,
  checkouts?: { mode?: string; keep?: boolean },
): CreateRunRequest {
  return {
    workflow: relative(plan.workspace, plan.workflow.filePath),
    event: plan.event,
    eventPayload: plan.eventPayload,
    inputs: plan.inputs as CreateRunRequest["inputs"],
    jobs: plan.jobs,
    env: plan.env,
    secrets: plan.secrets,
    actions: plan.actions,
    vars: plan.vars,
    ...(plan.matrix ? { matrix: plan.matrix } : {}),
    ...(plan.actor ? { actor: plan.actor } : {}),
    sandbox: { strategy: sandbox },
    ...(checkouts ? { workspaces: { bind: checkouts.mode === "bind", keep: checkouts.keep === true } } : {}),
    platforms: plan.platforms,
  };
}
