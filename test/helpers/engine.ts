/**
 * Runs a fixture workflow through the real engine (real shells, real files) and collects its
 * events, so tests can assert on the run, the event stream and the log.
 */
import { isAbsolute, join } from "node:path";
import type { SSEEvent, WorkflowRun } from "../../src/contract/index.js";
import {
  startRun,
  type ActionSources,
  type CacheLimits,
  type DockerEngine,
  type RunHandle,
} from "../../src/engine/index.js";
import { loadWorkflow, validateInputs } from "../../src/workflow/index.js";

import { FIXTURES, fixtureCopy, tempDir } from "./temp.js";

export { FIXTURES };

/** One copy of each fixture per test process (a git repository of its own), made on first use. */
const copies = new Map<string, string>();
export function fixtureWorkspace(name: string): string {
  let dir = copies.get(name);
  if (!dir) copies.set(name, (dir = fixtureCopy(name)));
  return dir;
}

export interface FixtureRun {
  run: WorkflowRun;
  /** The folder the run used as its workspace. */
  workspace: string;
  events: SSEEvent[];
  /** Every step.log line of the run, in order, newlines kept. */
  log: string;
  /** Log of one job (by id), all steps. */
  jobLog(jobId: string): string;
  job(id: string): WorkflowRun["jobs"][number];
}

export interface FixtureOptions {
  event?: string;
  eventPayload?: Record<string, unknown>;
  inputs?: Record<string, unknown>;
  secrets?: Record<string, string>;
  env?: Record<string, string>;
  jobs?: string[];
  /** Called with the handle right after start (e.g. to cancel). */
  onStart?: (handle: RunHandle, events: SSEEvent[]) => void;
  killGraceSeconds?: [number, number];
  hostEnv?: Record<string, string | undefined>;
  /** Remote actions: cache, overrides (no fetcher unless given: tests never touch the network). */
  actions?: ActionSources;
  cacheDir?: string;
  cacheLimits?: CacheLimits;
  docker?: DockerEngine;
  /** runs-on labels mapped to this machine (`--platform LABEL=host`) or to an image (act's `-P`). */
  platforms?: Record<string, string>;
  /** `$STAX_HOME/tools`: setup-node and pnpm/action-setup may fetch into it. */
  toolCache?: string;
  /** The run's clock. */
  now?: () => Date;
  /** A HOME of each job's own for its steps (`STAX_PRIVATE_HOME`). */
  privateHome?: boolean;
  /** The run's id (default `test`): what labels its Docker containers (`stax.run`). */
  runId?: string;
}

/**
 * Runs `.github/workflows/<file>` of `test/fixtures/<fixture>` (copied once per test process to a
 * temporary git repository of its own, see fixtureWorkspace) or of an absolute folder, with that
 * folder as workspace.
 */
export async function runFixture(fixture: string, file: string, opts: FixtureOptions = {}): Promise<FixtureRun> {
  const workspace = isAbsolute(fixture) ? fixture : fixtureWorkspace(fixture);
  const workflow = await loadWorkflow(join(workspace, ".github", "workflows", file), workspace);
  if (workflow.errors.length)
    throw new Error(`fixture ${fixture}/${file} is invalid: ${JSON.stringify(workflow.errors)}`);
  const event = opts.event ?? "push";
  const { inputs, errors } = validateInputs(workflow, event, opts.inputs ?? {});
  if (errors.length) throw new Error(errors.join("; "));
  const events: SSEEvent[] = [];
  const handle = startRun({
    runId: opts.runId ?? "test",
    runNumber: 1,
    workspace,
    workflow,
    event,
    eventPayload: opts.eventPayload,
    inputs,
    secrets: opts.secrets,
    env: opts.env,
    jobs: opts.jobs,
    hostEnv: opts.hostEnv ?? process.env,
    tempDir: tempDir("stax-test-"),
    sink: { emit: (e) => events.push(e) },
    killGraceSeconds: opts.killGraceSeconds,
    actions: opts.actions,
    cacheDir: opts.cacheDir,
    cacheLimits: opts.cacheLimits,
    docker: opts.docker,
    platforms: opts.platforms,
    toolCache: opts.toolCache,
    now: opts.now,
    privateHome: opts.privateHome,
  });
  opts.onStart?.(handle, events);
  const run = await handle.done;
  const logs = events.filter((e): e is Extract<SSEEvent, { type: "step.log" }> => e.type === "step.log");
  return {
    run,
    workspace,
    events,
    log: logs.map((e) => e.data.line).join(""),
    jobLog: (jobId) =>
      logs
        .filter((e) => e.jobId === jobId)
        .map((e) => e.data.line)
        .join(""),
    job: (id) => {
      const j = run.jobs.find((x) => x.id === id);
      if (!j) throw new Error(`no job '${id}' in run (jobs: ${run.jobs.map((x) => x.id).join(", ")})`);
      return j;
    },
  };
}

/** `{ jobId: conclusion }` of a run, for compact assertions. */
export function conclusions(run: WorkflowRun): Record<string, string | undefined> {
  return Object.fromEntries(run.jobs.map((j) => [j.id, j.conclusion]));
}

/** `[conclusion, …]` of a job's steps in order. */
export function stepConclusions(job: WorkflowRun["jobs"][number]): (string | undefined)[] {
  return job.steps.map((s) => s.conclusion);
}

/** A run just started, with no jobs yet: what the recorder and the store tests feed their events to. */
export const newRun = (): WorkflowRun => ({
  id: "r",
  number: 1,
  workflow: "w",
  workflowFile: "w.yml",
  status: "in_progress",
  jobs: [],
  createdAt: new Date().toISOString(),
  trigger: { event: "push", ref: "refs/heads/main", sha: "0" },
  inputs: {},
});
