import { basename, join } from "node:path";
import { randomBytes } from "node:crypto";
import { formatDiagnostic, StaxError, type CreateRunRequest, type RunSnapshot, type SandboxStrategy, type WorkflowRun, errorMessage } from "../contract/index.js";
import { readGitInfoAsync, rerunPlan, startRun, type GitInfo, type RunHandle, type Reuse } from "../engine/index.js";
import { ownerName, withStoredEvents, StoreRecorder, storedVars, type SecretVault, type Store, type StoredRunRequest } from "../store/index.js";
import { checkRunRequest, loadWorkflow, resolveWorkflow, type LoadedWorkflow } from "../workflow/index.js";
import { hostOptions, type RunHost } from "./launch.js";
import { makeRunTemp } from "./run-temp.js";
import { createSandbox, type Sandbox } from "./sandbox.js";
import type { FleetDispatcher } from "./dispatcher.js";
import { checkoutSource, snapshotSource } from "./source.js";

export interface RunManagerDeps {
  workspace: string;
  store: Store;
  vault: SecretVault;
  /** What every run takes from this machine and the store (launch.ts). */
  host: RunHost;
  sandboxDir: string;
  /** Where each job leg's own checkout is made (CreateRunRequest.workspaces). */
  checkoutsDir: string;
  retention: { maxRuns: number; maxAgeDays: number };
  defaultSandbox: SandboxStrategy;
  /** How long a run's lease lasts without a heartbeat. */
  leaseMs: number;
  /** Many machines: legs go to the workers of this fleet instead of running here. */
  dispatcher?: FleetDispatcher;
}

const STRATEGIES = new Set(["auto", "worktree", "copy", "none"]);

/**
 * Starts, tracks, cancels and re-runs runs. Runs execute concurrently and independently; every
 * event is stored (StoreRecorder); the hub publishes what the store commits.
 */
export class RunManager {
  private readonly active = new Map<string, RunHandle>();
  /** Sandboxes of finished runs being removed (asynchronously: git worktree remove takes time). */
  private readonly disposing = new Set<Promise<unknown>>();
  /** Who this runner is in the run queue's leases. */
  private readonly owner = ownerName("runner");

  private readonly cancelPoll: NodeJS.Timeout;

  constructor(private readonly deps: RunManagerDeps) {
    // A cancel asked of another process (another front-end, or the API while an in-process run goes) is a flag in the store.
    this.cancelPoll = setInterval(() => {
      if (!this.active.size) return;
      void deps.store.queue
        .cancelledFor(this.owner)
        .then((ids) => ids.forEach((id) => this.active.get(id)?.cancel()))
        .catch(() => {});
    }, 250);
    this.cancelPoll.unref();
  }

  /** Validates a request and starts the run; resolves with the run, `queued`. `reuse`: jobs a re-run of failed jobs keeps from the earlier run. */
  async create(req: CreateRunRequest, reuse?: Reuse, rerunOf?: WorkflowRun): Promise<WorkflowRun> {
    const workflow = await resolveWorkflow(this.deps.workspace, req.workflow);
    if (workflow?.relPath.startsWith("..")) throw new StaxError("WORKFLOW_NOT_FOUND", `'${req.workflow}' is outside the runner's workspace`);
    if (!workflow) throw new StaxError("WORKFLOW_NOT_FOUND", `unknown workflow '${req.workflow}'`);
    if (workflow.errors.length) throw new StaxError("WORKFLOW_INVALID", `${workflow.relPath} is invalid:\n${workflow.errors.map(formatDiagnostic).join("\n")}`, workflow.errors);
    const { event, inputs } = checkRunRequest(workflow, req.event, req.inputs ?? {}, req.jobs);
    const strategy = req.sandbox?.strategy ?? this.deps.defaultSandbox;
    if (!STRATEGIES.has(strategy)) throw new StaxError("BAD_REQUEST", `sandbox.strategy must be one of auto, worktree, copy, none`);

    const secrets = stringMap(req.secrets, "secrets");
    stringMap(req.platforms, "platforms");
    const vars0 = stringMap(req.vars, "vars");
    const matrix = matrixFilter(req.matrix);
    const stored = await this.deps.vault.all();
    assertReadable(workflow, stored.unreadable, secrets, this.deps.vault.keySource);
    const id = randomBytes(4).toString("hex");
    let sandbox;
    try {
      // A sandbox is for legs this process runs itself. On a fleet the workers run every leg from a
      // snapshot of the workspace as it is (the run's source), so none is made, unless a `ref` asks
      // for that commit; the workflow then comes from the sandbox, so its legs are dispatched too.
      const fleetStrategy = this.deps.dispatcher && !req.sandbox?.ref ? "none" : strategy;
      sandbox = await createSandbox(this.deps.workspace, this.deps.sandboxDir, id, fleetStrategy, req.sandbox?.ref, this.deps.host.ownFolders);
    } catch (err) {
      throw new StaxError("BAD_REQUEST", `cannot prepare the '${strategy}' sandbox: ${errorMessage(err)}`);
    }
    const runWorkflow = this.deps.dispatcher && sandbox.dir !== this.deps.workspace ? await loadWorkflow(join(sandbox.dir, workflow.relPath), sandbox.dir) : workflow;
    if (runWorkflow.errors.length) {
      this.dispose(sandbox);
      throw new StaxError("WORKFLOW_INVALID", `${workflow.relPath} at ${req.sandbox?.ref} is invalid:\n${runWorkflow.errors.map(formatDiagnostic).join("\n")}`, runWorkflow.errors);
    }
    // The request is stored before the run starts, so a re-run after a restart has all of it.
    const request: StoredRunRequest = { workflow: req.workflow, event, inputs: req.inputs, eventPayload: req.eventPayload, jobs: req.jobs, sandbox: req.sandbox, env: req.env, actions: req.actions, workspaces: req.workspaces, platforms: req.platforms, vars: req.vars, matrix: req.matrix, actor: req.actor, ...(Object.keys(secrets).length ? { sealedSecrets: this.deps.vault.seal(secrets) } : {}) };
    await this.deps.store.queue.enqueue(id, request);
    await this.deps.store.queue.claim(this.owner, this.deps.leaseMs, id);
    // The lease is kept from the claim on: snapshotting the source for the workers can take longer
    // than a short lease, and another front-end would take the run for one whose runner died.
    let recorder: StoreRecorder | undefined;
    const heartbeat = this.keepLease(id, () => recorder?.fence());
    const git = await readGitInfoAsync(sandbox.dir, basename(sandbox.dir));
    const vars = { ...(await storedVars(this.deps.store)), ...vars0 };
    if (this.deps.dispatcher) {
      try {
        const source = await snapshotSource(sandbox.dir, this.deps.store.blobs, id, this.deps.host.ownFolders);
        this.deps.dispatcher.setSource(id, source);
        // What another front-end needs to take the run over if this one dies (many machines).
        await this.deps.store.queue.update(id, { ...request, coordination: { workflowPath: workflow.relPath, source, git: { ...git }, vars, ...(reuse ? { reuse } : {}) } });
      } catch (err) {
        clearInterval(heartbeat);
        this.dispose(sandbox);
        throw new StaxError("BAD_REQUEST", `cannot snapshot the workspace for the workers: ${errorMessage(err)}`);
      }
    }
    recorder = new StoreRecorder(this.deps.store);
    let handle: RunHandle;
    try {
      handle = startRun({
        ...this.runOptions(id, request),
        runNumber: await this.deps.store.runs.nextNumber(),
        workspace: sandbox.dir,
        workflow: runWorkflow,
        inputs,
        secrets: { ...stored.values, ...secrets },
        vars,
        matrix,
        tempDir: makeRunTemp(this.deps.host.dataDir, id),
        sink: recorder,
        notices: sandbox.notices,
        checkouts: { mode: req.workspaces?.bind ? "bind" : "isolated", root: this.deps.checkoutsDir, keep: req.workspaces?.keep === true, own: this.deps.host.ownFolders },
        reuse,
        git,
        ...(rerunOf ? { rerunOf: { runId: rerunOf.id, runNumber: rerunOf.number, attempt: rerunOf.attempt ?? 1 } } : {}),
      });
    } catch (err) {
      clearInterval(heartbeat);
      throw err;
    }
    await this.deps.store.runs.save(handle.run);
    this.follow(id, handle, recorder, heartbeat, () => this.dispose(sandbox));
    return structuredClone(handle.run);
  }

  /**
   * Keeps this runner's lease on a run until the returned timer is cleared. A lease found taken
   * (this process stalled past it and another front-end took the run over) ends this runner's
   * part: `lost` is called once, and the run must record nothing more.
   */
  private keepLease(id: string, lost: () => void = () => {}): NodeJS.Timeout {
    const timer: NodeJS.Timeout = setInterval(() => beat(), this.deps.leaseMs / 3);
    const beat = () =>
      void this.deps.store.queue
        .heartbeat(id, this.owner, this.deps.leaseMs)
        .then((held) => {
          if (held || !this.active.has(id)) return;
          clearInterval(timer);
          console.error(`stax runner: run ${id} was taken over by another front-end while this one did not answer; it records nothing more of it`);
          lost();
        })
        .catch(() => {});
    beat();
    return timer;
  }

  /** The options of a run that come from its stored request and this runner, the same for a new run and one taken over. */
  private runOptions(id: string, request: StoredRunRequest) {
    return {
      ...hostOptions(this.deps.host, id, stringMap(request.actions, "actions")),
      runId: id,
      event: request.event,
      eventPayload: request.eventPayload,
      env: stringMap(request.env, "env"),
      actor: request.actor,
      jobs: request.jobs,
      platforms: stringMap(request.platforms, "platforms"),
      legs: this.deps.dispatcher,
    };
  }

  /** Tracks a started run until it ends, then releases what it held. */
  private follow(id: string, handle: RunHandle, recorder: StoreRecorder, heartbeat: NodeJS.Timeout, release: () => void): void {
    this.active.set(id, handle);
    void handle.done.finally(async () => {
      clearInterval(heartbeat);
      this.deps.dispatcher?.setSource(id, undefined);
      this.deps.dispatcher?.resumed(id);
      this.active.delete(id);
      release();
      await recorder.idle().catch(() => {});
      await this.deps.store.queue.complete(id).catch(() => {});
      await this.prune().catch((err) => console.error(`stax: pruning old runs failed: ${errorMessage(err)}`));
    });
  }

  /**
   * Many machines: takes over a run whose coordinator died (its lease lapsed). The run is planned
   * again from its stored request and source; jobs keep the state the event log shows, legs
   * already on workers are followed where they are, the others are sent. `no`: not a run this
   * runner can take over (no fleet, or started without coordination), so crash recovery marks it
   * cancelled; `elsewhere`: another process holds it (or its lease has not lapsed yet).
   */
  async takeOver(id: string): Promise<"taken" | "elsewhere" | "no"> {
    const dispatcher = this.deps.dispatcher;
    if (this.active.has(id)) return "elsewhere";
    const c = dispatcher && (await this.deps.store.queue.request(id))?.coordination;
    if (!dispatcher || !c) return "no";
    const claim = await this.deps.store.queue.claim(this.owner, this.deps.leaseMs, id);
    if (!claim) return "elsewhere";
    let recorder: StoreRecorder | undefined;
    const heartbeat = this.keepLease(id, () => recorder?.fence());
    dispatcher.resume(id, dispatcher.delivered());
    try {
      const prior = await storedState(this.deps.store, id);
      if (!prior) throw new Error("its snapshot is not in the store");
      const tempDir = makeRunTemp(this.deps.host.dataDir, id);
      const workspace = join(tempDir, "source");
      await checkoutSource(this.deps.store.blobs, c.source, workspace);
      const workflow = await loadWorkflow(join(workspace, c.workflowPath), workspace);
      if (!workflow.definition) throw new Error(`${c.workflowPath} in the run's source is invalid`);
      const request = claim.request;
      const stored = await this.deps.vault.all();
      recorder = new StoreRecorder(this.deps.store);
      recorder.adopt(prior);
      dispatcher.setSource(id, c.source);
      const handle = startRun({
        ...this.runOptions(id, request),
        runNumber: prior.number,
        workspace,
        workflow,
        inputs: prior.inputs,
        secrets: { ...stored.values, ...(request.sealedSecrets ? this.deps.vault.unseal(request.sealedSecrets) : {}) },
        vars: c.vars,
        matrix: request.matrix,
        tempDir,
        sink: recorder,
        reuse: c.reuse as Reuse | undefined,
        git: c.git as unknown as GitInfo,
        resume: prior,
      });
      this.follow(id, handle, recorder, heartbeat, () => {});
      console.log(`stax runner: took over run ${prior.number} (${id}): the front-end that coordinated it stopped answering`);
      return "taken";
    } catch (err) {
      clearInterval(heartbeat);
      dispatcher.resumed(id);
      console.error(`stax runner: cannot take over run ${id}: ${errorMessage(err)}`);
      return "no";
    }
  }

  /** Removes a sandbox in the background; shutdown waits for the removals under way. */
  private dispose(sandbox: Sandbox): void {
    const disposing = sandbox.dispose().catch(() => undefined);
    this.disposing.add(disposing);
    void disposing.finally(() => this.disposing.delete(disposing));
  }

  /**
   * Cancels a run this runner executes at once; one executed by another process (an in-process
   * `stax run` on the same store) through the queue's cancel flag, which that process polls.
   */
  async cancel(ref: string): Promise<WorkflowRun> {
    const run = await this.find(ref);
    const handle = this.active.get(run.id);
    if (run.status === "completed") throw new StaxError("RUN_FINISHED", `run ${run.number} (${run.id}) has already completed`);
    if (!handle) {
      // A run between coordinators (its front-end died, another takes it over within a lease) keeps the flag for the next one.
      const between = this.deps.dispatcher && (await this.deps.store.queue.request(run.id))?.coordination;
      if (!between && !(await this.deps.store.queue.owner(run.id, new Date()))) throw new StaxError("RUN_NOT_HERE", `run ${run.number} (${run.id}) is not executed by any live process (a crash left it unfinished; the next runner start marks it cancelled)`);
      await this.deps.store.queue.requestCancel(run.id);
      return run;
    }
    handle.cancel();
    return structuredClone(handle.run);
  }

  /** Re-runs with the same workflow, inputs and event; `failedOnly`: the failed jobs and what depends on them. */
  /** `job`: that job (or matrix leg) and what needs it run again; the others are reused as with `failedOnly`. */
  async rerun(ref: string, failedOnly: boolean, job?: string): Promise<WorkflowRun> {
    const run = await this.find(ref);
    if (run.status !== "completed") throw new StaxError("RUN_ACTIVE", `run ${run.number} is still running`);
    const previous = await this.deps.store.queue.request(run.id);
    const secrets = previous?.sealedSecrets ? this.deps.vault.unseal(previous.sealedSecrets) : undefined;
    const req: CreateRunRequest = { workflow: run.workflowFile, inputs: run.inputs as CreateRunRequest["inputs"], event: run.trigger.event, eventPayload: previous?.eventPayload, sandbox: previous?.sandbox, env: previous?.env, secrets, actions: previous?.actions, workspaces: previous?.workspaces, platforms: previous?.platforms, vars: previous?.vars, matrix: previous?.matrix, actor: previous?.actor };
    if (job !== undefined) {
      if (!run.jobs.some((j) => j.id === job || j.definitionId === job)) throw new StaxError("STEP_NOT_FOUND", `run ${run.number} has no job '${job}'`);
      return this.create(req, rerunPlan(run, job).reuse, run);
    }
    if (!failedOnly) return this.create(req, undefined, run);
    // GitHub's "re-run failed jobs": the failed jobs and their dependants run; the others keep
    // their result and outputs from this run (stored with it, in each job), shown as reused.
    const plan = rerunPlan(run);
    if (plan.rerun.length === 0) throw new StaxError("BAD_REQUEST", `run ${run.number} has no failed jobs`);
    return this.create(req, plan.reuse, run);
  }

  async delete(ref: string): Promise<WorkflowRun> {
    const run = await this.find(ref);
    if (this.active.has(run.id) || run.status !== "completed") throw new StaxError("RUN_ACTIVE", `run ${run.number} is still running; cancel it first`);
    await this.deps.store.runs.delete(run.id);
    return run;
  }

  /** A run by id, prefix, number or `last`; the live object while it runs. */
  async find(ref: string): Promise<WorkflowRun> {
    const found = await findRun(this.deps.store, ref);
    const live = this.active.get(found.id);
    // A run is shown completed once the store has all of it (its snapshot is saved with its last
    // events), never while its last lines are still being written: a client that sees it done
    // and reads the log gets every line.
    return live && live.run.status !== "completed" ? structuredClone(live.run) : found;
  }

  /**
   * A run with the newest event id it agrees with (`GET /api/runs/:id`): a page that subscribes
   * with `since=lastEventId` misses nothing. Every event up to that id shows in the run: a stored
   * snapshot of a run still going trails its events by a write, so the run's stored job and step
   * events up to the id are applied to it (events the run already shows are applied again, and
   * those after the id come again on the stream: both are idempotent).
   */
  async snapshot(ref: string): Promise<RunSnapshot> {
    const lastEventId = await this.deps.store.events.highWater();
    const run = await this.find(ref);
    if (run.status === "completed") return { ...run, lastEventId };
    return { ...(await withStoredEvents(this.deps.store, run, lastEventId)), lastEventId };
  }

  /** Cancels every active run and waits for them to finish (SIGTERM of the runner). */
  async shutdown(): Promise<void> {
    clearInterval(this.cancelPoll);
    this.deps.dispatcher?.close();
    const handles = [...this.active.values()];
    for (const h of handles) h.cancel();
    await Promise.all(handles.map((h) => h.done));
    await Promise.all([...this.disposing]);
  }

  get activeCount(): number {
    return this.active.size;
  }

  private async prune(): Promise<void> {
    const ids = await this.deps.store.runs.expired(this.deps.retention.maxRuns, this.deps.retention.maxAgeDays, new Date());
    for (const id of ids) await this.deps.store.runs.delete(id);
  }
}

/** A run as the store last knew it: its snapshot with every stored job and step event applied (a snapshot may lag its events). */
async function storedState(store: Store, id: string): Promise<WorkflowRun | undefined> {
  const run = await store.runs.get(id);
  return run && withStoredEvents(store, run, Infinity);
}

/** A run by id, unique prefix, number or `last`, or the error that says why there is none. */
export async function findRun(store: Store, ref: string): Promise<WorkflowRun> {
  const found = await store.runs.find(ref);
  if (found === "ambiguous") throw new StaxError("RUN_AMBIGUOUS", `'${ref}' matches more than one run`);
  if (!found) throw new StaxError("RUN_NOT_FOUND", `no run '${ref}'`);
  // The snapshot of a run still going trails its step events (see withStoredEvents).
  return found.status === "completed" ? found : withStoredEvents(store, found);
}

/**
 * A stored secret the workflow names (`secrets.X`, `secrets['X']`, or all of them through
 * `secrets: inherit`) that the key in use cannot decrypt fails the run before it starts, saying so.
 */
export function assertReadable(workflow: LoadedWorkflow, unreadable: string[], given: Record<string, string>, keySource: string): void {
  const missing = unreadable.filter((n) => !(n in given) && usesSecret(workflow.source, n));
  if (missing.length) throw new StaxError("SECRET_UNREADABLE", `secret${missing.length > 1 ? "s" : ""} ${missing.map((n) => `'${n}'`).join(", ")} cannot be decrypted with ${keySource}; it was stored under another key: set it again (stax secret set ${missing[0]}) or start with the key it was stored under`);
}

function usesSecret(source: string, name: string): boolean {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`secrets\\s*(\\.\\s*${esc}\\b|\\[\\s*['"]${esc}['"]\\s*\\])|secrets\\s*:\\s*inherit|toJSON\\(\\s*secrets\\s*\\)`, "i").test(source);
}

function stringMap(v: unknown, field: string): Record<string, string> {
  if (v === undefined) return {};
  if (!v || typeof v !== "object" || Array.isArray(v) || Object.values(v).some((x) => typeof x !== "string")) throw new StaxError("BAD_REQUEST", `'${field}' must be an object of strings`);
  return v as Record<string, string>;
}

/** `matrix`: key → the values wanted (`stax run --matrix`). */
function matrixFilter(v: unknown): Record<string, string[]> | undefined {
  if (v === undefined) return undefined;
  if (!v || typeof v !== "object" || Array.isArray(v) || Object.values(v).some((x) => !Array.isArray(x) || x.some((y) => typeof y !== "string"))) {
    throw new StaxError("BAD_REQUEST", "'matrix' must be an object of string arrays");
  }
  return v as Record<string, string[]>;
}
