import { inContainer } from "../docker/context.js";
import type { StepConclusion } from "../../contract/index.js";
import type { Contexts, ExtraFunctions } from "../../expressions/index.js";
import { stepStatusFunctions, type JobContext, type PostEntry } from "../runtime.js";

/** An entry of the `steps` context (CTX-04). */
export interface StepContextEntry {
  outputs: Record<string, string>;
  outcome: StepConclusion;
  conclusion: StepConclusion;
}

/** A composite action invocation's own state (COMP-04, COMP-07). */
export interface CompositeState {
  status: "success" | "failure";
  /** The calling step's env, between the job env and the inner step env (COMP-05). */
  envOverlay: Record<string, string>;
  depth: number;
}

/**
 * Where a step runs: the job, its `steps` scope (a composite has its own), the action it
 * belongs to, and where its log lines and post steps go.
 */
export interface StepScope {
  rt: JobContext;
  steps: Record<string, StepContextEntry>;
  /** Composite inputs (CTX-09); undefined at the top level (the workflow's inputs apply). */
  inputs?: Record<string, string>;
  /** GITHUB_ACTION_PATH & co. inside a composite action (ACT-09, ACT-10). */
  action?: { path: string; repository: string; ref: string };
  composite?: CompositeState;
  /** Registers a post step: the job's (`JobState.addPost`), or at the top level of a composite, its own (COMP-10). */
  addPost: (entry: PostEntry) => void;
  /** Logs one line of the top-level step (masking happens here). */
  log: (line: string) => void;
}

/** The `github` context of a step: the run's, with the job's workspace and the step's action_* fields. */
export function stepGithub(scope: StepScope, stepId: string): Record<string, unknown> {
  const rt = scope.rt;
  return {
    ...rt.run.github,
    workspace: rt.workspace,
    event_path: rt.eventPath,
    job: rt.def.id,
    action: stepId,
    action_path: scope.action?.path ?? "",
    action_repository: scope.action?.repository ?? "",
    action_ref: scope.action?.ref ?? "",
    ...(scope.composite ? { action_status: scope.composite.status } : {}),
  };
}

/** The contexts a step key sees (CTX-11), with `env` as given. */
export function stepContexts(scope: StepScope, env: Record<string, string>, stepId: string): Contexts {
  const rt = scope.rt;
  // In a job container, the paths its steps see (GitHub's /__w/…).
  const mounts = rt.container?.mounts ?? [];
  const github = {
    ...stepGithub(scope, stepId),
    workspace: inContainer(mounts, rt.workspace),
    event_path: inContainer(mounts, rt.eventPath),
  };
  return {
    github,
    env,
    vars: rt.run.vars,
    secrets: scope.composite ? {} : { GITHUB_TOKEN: "", ...rt.graph.secrets },
    inputs: scope.inputs ?? rt.graph.inputs,
    matrix: rt.matrix,
    strategy: rt.strategy,
    needs: scope.composite ? {} : rt.needs,
    steps: scope.steps,
    // DOCK-02: job.container and job.services (ids, network, published ports) once the job has them.
    job: {
      status: rt.state.status,
      ...(rt.jobNetwork ? { container: rt.jobNetwork.container ?? {}, services: rt.jobNetwork.services } : {}),
    },
    runner: mounts.length ? { ...rt.runner, temp: inContainer(mounts, rt.runner.temp) } : rt.runner,
  };
}

/** The status the status functions of a step read: the composite's own, else the job's (COMP-07, STEP-04). */
export function scopeStatus(scope: StepScope): "success" | "failure" | "cancelled" {
  if (scope.rt.state.cancelled) return "cancelled";
  return scope.composite ? scope.composite.status : scope.rt.state.status;
}

/** Status functions and hashFiles for a step in this scope. */
export function scopeFunctions(scope: StepScope, ahead?: Map<string, string>): ExtraFunctions {
  return stepStatusFunctions(
    scope.rt.workspace,
    () => scopeStatus(scope),
    () => scope.rt.state.cancelled,
    ahead,
  );
}
