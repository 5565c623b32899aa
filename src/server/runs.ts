import { basename } from "node:path";
import { randomBytes } from "node:crypto";
import { formatDiagnostic, StaxError, type CreateRunRequest, type SandboxStrategy, type WorkflowRun } from "../contract/index.js";
import { gitFetcher, readGitInfoAsync, startRun, type LegSlots, type DockerEngine, type ArtifactStore, type RunHandle } from "../engine/index.js";
import { StoreRecorder, type SecretVault, type Store } from "../store/index.js";
import { resolveWorkflow, validateInputs, type LoadedWorkflow } from "../workflow/index.js";
import { processRecorder } from "./process-groups.js";
import { makeRunTemp } from "./run-temp.js";
import { createSandbox } from "./sandbox.js";

export interface RunManagerDeps {
  workspace: string;
  store: Store;
  vault: SecretVault;
  hostEnv: Record<string, string | undefined>;
  sandboxDir: string;
  /** The workspace's data folder: run temp folders go to its tmp/. */
  dataDir: string;
  actionsCache?: string;
  docker?: DockerEngine;
  /** actions/cache entries of this workspace. */
  cacheDir?: string;
  retention: { maxRuns: number; maxAgeDays: number };
  /** Called with the ids of runs removed by retention (to delete their artifact files). */
  onPruned?: (ids: string[]) => void;
  defaultSandbox: SandboxStrategy;
  /** The runner's cap on job legs running at once, shared by all its runs. */
  legSlots?: LegSlots;
  artifacts?: ArtifactStore;
}

const STRATEGIES = new Set(["auto", "worktree", "copy", "none"]);

/** Default event for a workflow: push, else its only trigger (as `stax run` does). */
export function defaultEvent(w: LoadedWorkflow): string {
  const t = w.info.triggers;
  if (t.includes("push") || t.length === 0) return "push";
  return t.includes("workflow_dispatch") ? "workflow_dispatch" : t[0];
}

/**
 * Starts, tracks, cancels and re-runs runs. Runs execute concurrently and independently; every
 * event is stored (StoreRecorder); the hub publishes what the store commits.
 */
export class RunManager {
  private readonly active = new Map<string, RunHandle>();
  private readonly requests = new Map<string, CreateRunRequest>();
  /** Sandboxes of finished runs being removed (asynchronously: git worktree remove takes time). */
  private readonly disposing = new Set<Promise<unknown>>();

  constructor(private readonly deps: RunManagerDeps) {}

  /** Validates a request and starts the run; resolves with the run, `queued`. */
  async create(req: CreateRunRequest): Promise<WorkflowRun> {
    const workflow = await resolveWorkflow(this.deps.workspace, req.workflow);
    if (workflow?.relPath.startsWith("..")) throw new StaxError("WORKFLOW_NOT_FOUND", `'${req.workflow}' is outside the runner's workspace`);
    if (!workflow) throw new StaxError("WORKFLOW_NOT_FOUND", `unknown workflow '${req.workflow}'`);
    if (workflow.errors.length) throw new StaxError("WORKFLOW_INVALID", `${workflow.relPath} is invalid:\n${workflow.errors.map(formatDiagnostic).join("\n")}`, workflow.errors);
    const event = req.event ?? defaultEvent(workflow);
    if (!/^[a-z_]+$/.test(event)) throw new StaxError("BAD_REQUEST", `'${event}' is not an event name`);
    const { inputs, errors } = validateInputs(workflow, event, req.inputs ?? {});
    if (errors.length) throw new StaxError("INVALID_INPUT", errors.join("; "), errors);
    const known = new Set(workflow.definition!.jobs.map((j) => j.id.toLowerCase()));
    const unknownJobs = (req.jobs ?? []).filter((j) => typeof j !== "string" || !known.has(j.toLowerCase()));
    if (unknownJobs.length) throw new StaxError("BAD_REQUEST", `unknown job(s): ${unknownJobs.join(", ")}`);
    const strategy = req.sandbox?.strategy ?? this.deps.defaultSandbox;
    if (!STRATEGIES.has(strategy)) throw new StaxError("BAD_REQUEST", `sandbox.strategy must be one of auto, worktree, copy, none`);

    const id = randomBytes(4).toString("hex");
    let sandbox;
    try {
      sandbox = await createSandbox(this.deps.workspace, this.deps.sandboxDir, id, strategy, req.sandbox?.ref);
    } catch (err) {
      throw new StaxError("BAD_REQUEST", `cannot prepare the '${strategy}' sandbox: ${err instanceof Error ? err.message : err}`);
    }
    const git = await readGitInfoAsync(sandbox.dir, basename(sandbox.dir));
    const handle = startRun({
      runId: id,
      runNumber: this.deps.store.nextRunNumber(),
      workspace: sandbox.dir,
      workflow,
      event,
      eventPayload: req.eventPayload,
      inputs,
      secrets: { ...this.deps.vault.all(), ...stringMap(req.secrets, "secrets") },
      env: stringMap(req.env, "env"),
      jobs: req.jobs,
      hostEnv: this.deps.hostEnv,
      tempDir: makeRunTemp(this.deps.dataDir, id),
      sink: new StoreRecorder(this.deps.store),
      actions: { cache: this.deps.actionsCache, overrides: stringMap(req.actions, "actions"), fetch: this.deps.actionsCache ? gitFetcher(this.deps.actionsCache, { token: this.deps.hostEnv.GITHUB_TOKEN }) : undefined },
      notices: sandbox.notices,
      artifacts: this.deps.artifacts,
      cacheDir: this.deps.cacheDir,
      docker: this.deps.docker,
      legSlots: this.deps.legSlots,
      git,
      processes: processRecorder(this.deps.dataDir, id),
    });
    this.deps.store.saveRun(handle.run);
    this.active.set(id, handle);
    this.requests.set(id, { ...req, event });
    handle.done.finally(() => {
      this.active.delete(id);
      const disposing = sandbox.dispose().catch(() => undefined);
      this.disposing.add(disposing);
      void disposing.finally(() => this.disposing.delete(disposing));
      this.prune();
    });
    return structuredClone(handle.run);
  }

  cancel(ref: string): WorkflowRun {
    const run = this.find(ref);
    const handle = this.active.get(run.id);
    if (run.status === "completed") throw new StaxError("RUN_FINISHED", `run ${run.number} (${run.id}) has already completed`);
    // Unfinished but not ours: an in-process `stax run` (its own Ctrl-C cancels it), or a run a crash left behind.
    if (!handle) throw new StaxError("RUN_NOT_HERE", `run ${run.number} (${run.id}) is not run by this runner (started by \`stax run\` in its own process?); cancel it there`);
    handle.cancel();
    return structuredClone(handle.run);
  }

  /** Re-runs with the same workflow, inputs and event; `failedOnly`: the failed jobs and what depends on them. */
  async rerun(ref: string, failedOnly: boolean): Promise<WorkflowRun> {
    const run = this.find(ref);
    if (run.status !== "completed") throw new StaxError("RUN_ACTIVE", `run ${run.number} is still running`);
    const previous = this.requests.get(run.id);
    const req: CreateRunRequest = { workflow: run.workflowFile, inputs: run.inputs as CreateRunRequest["inputs"], event: run.trigger.event, eventPayload: previous?.eventPayload, sandbox: previous?.sandbox, env: previous?.env, secrets: previous?.secrets, actions: previous?.actions };
    if (failedOnly) {
      const failed = new Set(run.jobs.filter((j) => j.conclusion === "failure" || j.conclusion === "cancelled").map((j) => defId(j.id)));
      if (failed.size === 0) throw new StaxError("BAD_REQUEST", `run ${run.number} has no failed jobs`);
      for (const j of run.jobs) if (j.needs.some((n) => failed.has(defId(n)))) failed.add(defId(j.id));
      req.jobs = [...failed];
    }
    return this.create(req);
  }

  delete(ref: string): WorkflowRun {
    const run = this.find(ref);
    if (this.active.has(run.id)) throw new StaxError("RUN_ACTIVE", `run ${run.number} is still running; cancel it first`);
    this.deps.store.deleteRun(run.id);
    this.deps.onPruned?.([run.id]);
    return run;
  }

  /** A run by id, prefix, number or `last`; the live object while it runs. */
  find(ref: string): WorkflowRun {
    const found = this.deps.store.findRun(ref);
    if (found === "ambiguous") throw new StaxError("RUN_AMBIGUOUS", `'${ref}' matches more than one run`);
    if (!found) throw new StaxError("RUN_NOT_FOUND", `no run '${ref}'`);
    const live = this.active.get(found.id);
    return live ? structuredClone(live.run) : found;
  }

  /** Cancels every active run and waits for them to finish (SIGTERM of the runner). */
  async shutdown(): Promise<void> {
    const handles = [...this.active.values()];
    for (const h of handles) h.cancel();
    await Promise.all(handles.map((h) => h.done));
    await Promise.all([...this.disposing]);
  }

  get activeCount(): number {
    return this.active.size;
  }

  private prune(): void {
    const ids = this.deps.store.expiredRuns(this.deps.retention.maxRuns, this.deps.retention.maxAgeDays, new Date());
    for (const id of ids) this.deps.store.deleteRun(id);
    if (ids.length) this.deps.onPruned?.(ids);
  }
}

function stringMap(v: unknown, field: string): Record<string, string> {
  if (v === undefined) return {};
  if (!v || typeof v !== "object" || Array.isArray(v) || Object.values(v).some((x) => typeof x !== "string")) throw new StaxError("BAD_REQUEST", `'${field}' must be an object of strings`);
  return v as Record<string, string>;
}

/** A job's definition id from a run's job id: `test (a, b)` → `test`, `call / work` → `call`. */
function defId(jobId: string): string {
  return jobId.split(" / ")[0].replace(/ \(.*\)$/, "");
}
