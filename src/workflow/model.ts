import type {
  WorkflowTemplate,
  Step as ParserStep,
  WorkflowJob,
} from "@actions/workflow-parser/model/workflow-template";
import { eventsOf } from "./inputs.js";
import { literalString, mapEntries, mapGet, type TemplateToken } from "./tokens.js";

/**
 * The typed model the engine runs. Fields that may hold `${{ }}` stay tokens (with positions)
 * until run time; the rest is plain data. Built from the parser's converted template (ids,
 * needs, normalised `if`) plus the raw token tree for the keys the converter drops
 * (the converter keeps none of: with, shell, working-directory, timeouts, continue-on-error, defaults).
 */
export interface WorkflowDef {
  name?: string;
  /** `run-name:`, evaluated when the run starts (github, inputs, vars: TRIG-12, CTX-11). */
  runName?: TemplateToken;
  env?: TemplateToken;
  defaults: RunDefaults;
  /** Event name → its raw config (null for defaults). */
  on: Record<string, unknown>;
  jobs: JobDef[];
  /** `on.workflow_call.outputs`: name → value token (RW-07). */
  callOutputs: [string, TemplateToken | undefined][];
}

export interface RunDefaults {
  shell?: TemplateToken;
  workingDirectory?: TemplateToken;
}

export interface JobDef {
  id: string;
  name?: TemplateToken;
  needs: string[];
  /** Normalised condition expression (JOB-04): always contains a status function. */
  if: string;
  strategy?: TemplateToken;
  runsOn?: TemplateToken;
  env?: TemplateToken;
  outputs?: TemplateToken;
  timeoutMinutes?: TemplateToken;
  continueOnError?: TemplateToken;
  defaults: RunDefaults;
  container?: TemplateToken;
  services?: TemplateToken;
  steps: StepDef[];
  /** Reusable workflow call (RW): `uses`, `with`, `secrets` (or inherit). */
  uses?: string;
  with?: TemplateToken;
  secrets?: TemplateToken;
  inheritSecrets?: boolean;
  /** Position of the job key, for messages. */
  line: number;
  column: number;
}

export interface StepDef {
  /** The id, generated (`__run`, `__run_2`, …) when the step has none (STEP-02). */
  id: string;
  explicitId: boolean;
  name?: TemplateToken;
  /** Normalised condition expression (STEP-03). */
  if: string;
  run?: TemplateToken;
  uses?: string;
  with?: TemplateToken;
  env?: TemplateToken;
  shell?: TemplateToken;
  workingDirectory?: TemplateToken;
  timeoutMinutes?: TemplateToken;
  continueOnError?: TemplateToken;
  line: number;
  column: number;
}

function defaultsOf(token: TemplateToken | undefined): RunDefaults {
  const run = mapGet(token, "defaults") ? mapGet(mapGet(token, "defaults"), "run") : undefined;
  return { shell: mapGet(run, "shell"), workingDirectory: mapGet(run, "working-directory") };
}

/** Builds steps from converted steps plus their raw mappings (same order). */
export function buildSteps(converted: ParserStep[], raw: TemplateToken | undefined): StepDef[] {
  const rawSteps: TemplateToken[] = [];
  if (raw && "count" in raw) {
    const seq = raw as unknown as { count: number; get(i: number): TemplateToken };
    for (let i = 0; i < seq.count; i++) rawSteps.push(seq.get(i));
  }
  return converted.map((s, i) => {
    const r = rawSteps[i];
    const step = s as ParserStep & {
      run?: TemplateToken;
      uses?: { value: string };
      env?: TemplateToken;
      if?: { expression: string };
    };
    return {
      id: s.id,
      explicitId: mapGet(r, "id") !== undefined,
      name: s.name,
      if: step.if?.expression ?? "success()",
      run: step.run,
      uses: step.uses?.value,
      with: mapGet(r, "with"),
      env: step.env ?? mapGet(r, "env"),
      shell: mapGet(r, "shell"),
      workingDirectory: mapGet(r, "working-directory"),
      timeoutMinutes: mapGet(r, "timeout-minutes"),
      continueOnError: mapGet(r, "continue-on-error"),
      line: r?.line ?? 1,
      column: r?.col ?? 1,
    };
  });
}

function buildJob(job: WorkflowJob, raw: TemplateToken | undefined): JobDef {
  const base = {
    id: job.id.value,
    name: job.name,
    needs: (job.needs ?? []).map((n) => n.value),
    if: job.if?.expression ?? "success()",
    strategy: job.strategy,
    outputs: job.outputs,
    timeoutMinutes: mapGet(raw, "timeout-minutes"),
    continueOnError: mapGet(raw, "continue-on-error"),
    defaults: defaultsOf(raw),
    line: job.id.line ?? 1,
    column: job.id.col ?? 1,
  };
  if (job.type === "reusableWorkflowJob") {
    return {
      ...base,
      steps: [],
      uses: job.ref.value,
      with: mapGet(raw, "with"),
      secrets: literalString(mapGet(raw, "secrets")) === "inherit" ? undefined : mapGet(raw, "secrets"),
      inheritSecrets: literalString(mapGet(raw, "secrets")) === "inherit",
    };
  }
  return {
    ...base,
    runsOn: job["runs-on"],
    env: job.env,
    container: job.container,
    services: job.services,
    steps: buildSteps(job.steps, mapGet(raw, "steps")),
  };
}

/** The model of a workflow from its token tree and the parser's conversion of it. */
export function buildWorkflow(root: TemplateToken, template: WorkflowTemplate): WorkflowDef {
  const rawJobs = mapGet(root, "jobs");
  const on: Record<string, unknown> = {};
  for (const [event, config] of Object.entries(template.events ?? {})) on[event] = config ?? null;
  return {
    name: literalString(mapGet(root, "name")),
    runName: mapGet(root, "run-name"),
    env: mapGet(root, "env"),
    defaults: defaultsOf(root),
    on,
    jobs: (template.jobs ?? []).map((j) => buildJob(j, mapGet(rawJobs, j.id.value))),
    callOutputs: mapEntries(mapGet(eventsOf(root).get("workflow_call"), "outputs")).map(([name, def]) => [
      name,
      mapGet(def, "value"),
    ]),
  };
}
