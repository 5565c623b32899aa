import { join } from "node:path";
import type { LegSpec, WorkflowRun } from "../contract/index.js";
import { loadWorkflow, type LoadedWorkflow } from "../workflow/index.js";
import type { ActionSources, ArtifactStore, CacheLimits, ProcessRecorder, RunOptions, SharedCache } from "./options.js";
import type { DockerEngine } from "./docker/engine.js";
import type { EventSink } from "../contract/index.js";
import { failHolder } from "./job/setup-step.js";
import { runJob } from "./job/job.js";
import { newJob } from "./plan/strategy.js";
import { Reporter } from "./report.js";
import { newRunRuntime, runnerContext } from "./run.js";
import { writeEventFile } from "./context/event-file.js";
import { machineNpmConfig } from "./tools/registry.js";
import type { GraphScope, JobResult } from "./runtime.js";

/** What a worker brings to a leg: its checkout of the run's source, its folders, its sinks. */
export interface LegEnvironment {
  /** The leg's own checkout of the run's source (GITHUB_WORKSPACE). */
  workspace: string;
  /** The leg's temporary folder (RUNNER_TEMP and the rest), removed by the caller. */
  tempDir: string;
  hostEnv: Record<string, string | undefined>;
  sink: EventSink;
  /** The leg's secrets, decrypted. */
  secrets: Record<string, string>;
  /** `runner.name`: the worker's name. */
  runnerName: string;
  /** The worker's labels: runs-on may ask for them on this machine, as for its OS and architecture. */
  labels?: string[];
  /** The worker's `$STAX_HOME/tools` (RUNNER_TOOL_CACHE): where setup-node keeps the Nodes it fetches. */
  toolCache?: string;
  /** A HOME of the leg's own for its steps (the worker's `STAX_PRIVATE_HOME`). */
  privateHome?: boolean;
  actions?: ActionSources;
  artifacts?: ArtifactStore;
  cacheDir?: string;
  sharedCache?: SharedCache;
  cacheLimits?: CacheLimits;
  docker?: DockerEngine;
  /** Told the process group of every host process a step starts (the worker records them to reap after a crash). */
  processes?: ProcessRecorder;
  /** Why the leg cannot run here (e.g. the checkout failed): it fails with that, as a "Set up job" step. */
  setupError?: string;
  /** The run's workflow as loaded from this checkout already (a worker loads a commit's once for all its legs); else loaded here. */
  workflow?: LoadedWorkflow;
}

/**
 * Runs a leg another process planned: loads its job from the checkout, rebuilds the contexts the
 * coordinator resolved, and runs the steps with the engine as in one process.
 */
export async function runLegSpec(
  spec: LegSpec,
  env: LegEnvironment,
): Promise<{ done: Promise<JobResult>; cancel(hard: boolean): void }> {
  const workflow = env.workflow ?? (await loadWorkflow(join(env.workspace, spec.workflowPath), env.workspace));
  const def = workflow.definition?.jobs.find((j) => j.id === spec.jobDefId);
  const run: WorkflowRun = {
    id: spec.runId,
    number: spec.runNumber,
    workflow: workflow.name,
    workflowFile: workflow.relPath,
    status: "in_progress",
    jobs: [spec.job],
    createdAt: new Date().toISOString(),
    trigger: { event: spec.event, ref: String(spec.github.ref ?? ""), sha: String(spec.github.sha ?? "") },
    inputs: {},
  };
  const reporter = new Reporter(run, env.sink, () => new Date());
  const job = run.jobs[0];
  const eventPath = join(env.tempDir, "_github_workflow", "event.json");
  // As in one process: the temp folder (file commands, step scripts: secrets in plain text) is 0700, its files 0600.
  writeEventFile(eventPath, spec.github.event ?? {});
  // The worker decides runs-on as the coordinator did: the run's --platform mappings, and its own labels as this machine's.
  const platforms = { ...spec.platforms, ...Object.fromEntries((env.labels ?? []).map((l) => [l, "host"])) };
  // No per-leg checkout here: the worker already gave this leg its own copy of the run's source.
  const opts: RunOptions = {
    runId: spec.runId,
    runNumber: spec.runNumber,
    workspace: env.workspace,
    workflow,
    event: spec.event,
    inputs: spec.inputs,
    secrets: env.secrets,
    vars: spec.vars,
    hostEnv: env.hostEnv,
    tempDir: env.tempDir,
    sink: env.sink,
    actions: env.actions,
    artifacts: env.artifacts,
    cacheDir: env.cacheDir,
    sharedCache: env.sharedCache,
    cacheLimits: env.cacheLimits,
    docker: env.docker,
    processes: env.processes,
    killGraceSeconds: spec.killGraceSeconds,
    platforms,
    toolCache: env.toolCache,
    privateHome: env.privateHome,
  };
  const runtime = newRunRuntime(opts, {
    reporter,
    github: { ...spec.github, workspace: env.workspace, event_path: eventPath },
    runner: runnerContext(env.runnerName, env.tempDir, env.workspace, env.toolCache),
  });
  if (env.setupError) return { done: Promise.resolve(failHolder(runtime, job, env.setupError)), cancel() {} };
  if (!def || !workflow.definition) {
    const why = workflow.errors.length
      ? workflow.errors.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`).join("\n")
      : `job '${spec.jobDefId}' is not in ${spec.workflowPath}`;
    return {
      done: Promise.resolve(failHolder(runtime, job, `the worker cannot load the job from the run's source: ${why}`)),
      cancel() {},
    };
  }
  const graph: GraphScope = {
    def: workflow.definition,
    workflow,
    inputs: spec.inputs,
    secrets: env.secrets,
    ...spec.scope,
    root: env.workspace,
  };
  const start = newJob(runtime, graph, def, job, spec.matrix, spec.strategy, spec.needs, spec.workflowEnv);
  return {
    // As in one process: npm's machine-wide configuration for every step's npm.
    done: machineNpmConfig(env.hostEnv, env.toolCache).then((npm) =>
      runJob((Object.assign(runtime.hostEnv, npm), start)),
    ),
    cancel: (hard) => {
      runtime.flags.cancel(hard);
      start.state.cancel(hard);
    },
  };
}
