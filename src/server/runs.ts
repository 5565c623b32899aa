import { existsSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import {
  formatDiagnostic,
  StaxError,
  type CreateRunRequest,
  type RunSnapshot,
  type SandboxStrategy,
  type WorkflowRun,
  errorMessage,
} from "../contract/index.js";
import { isCommitSha, rerunPlan, type GitInfo, type RunHandle, type Reuse } from "../engine/index.js";
import { ownerName, StoreRecorder, withStoredEvents, type SecretVault, type Store } from "../store/index.js";
import { checkRunRequest, loadWorkflow, resolveWorkflow } from "../workflow/index.js";
import type { RunHost } from "../host/launch.js";
import { launchRun, type LaunchedRun, type LaunchLease } from "../host/launch-run.js";
import { keepLease } from "../host/lease.js";
import { checkRequestShape, toCreateRequest, toStoredRequest } from "../host/run-request.js";
import { makeRunTemp } from "../host/run-temp.js";
import { createSandbox, pinnedSandbox, type Sandbox } from "../host/sandbox.js";
import type { FleetDispatcher } from "../host/dispatcher.js";
import { checkoutSource } from "../host/source.js";
import { StoreLossGuard } from "../host/store-loss.js";
import { findRun } from "../host/find-run.js";

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
  /** Where the store is (its file, or "the PostgreSQL database"), for the line a run gets when its events cannot be stored. */
  storeLocation?: string;
}

const STRATEGIES = new Set(["auto", "worktree", "copy", "none"]);

/**
 * Starts, tracks, cancels and re-runs runs. Runs execute concurrently and independently; every
 * event is stored (StoreRecorder); the hub publishes what the store commits.
 */
export class RunManager {
  private readonly active = new Map<string, RunHandle>();
  /** Runs stopped because the store refused their events, as they ended, until their last events are stored. */
  private readonly unstored = new Map<string, WorkflowRun>();
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
    if (workflow?.relPath.startsWith(".."))
      throw new StaxError("WORKFLOW_NOT_FOUND", `'${req.workflow}' is outside the runner's workspace`);
    if (!workflow) throw new StaxError("WORKFLOW_NOT_FOUND", `unknown workflow '${req.workflow}'`);
    if (workflow.errors.length)
      throw new StaxError(
        "WORKFLOW_INVALID",
        `${workflow.relPath} is invalid:\n${workflow.errors.map(formatDiagnostic).join("\n")}`,
        workflow.errors,
      );
    // A run of a commit (a ref's, a re-run's) has that commit's workflow: it is checked below, once loaded.
    const ofCommit = req.sandbox?.ref !== undefined || rerunOf !== undefined;
    const early = ofCommit ? undefined : checkRunRequest(workflow, req.event, req.inputs ?? {}, req.jobs);
    const strategy = req.sandbox?.strategy ?? this.deps.defaultSandbox;
    if (!STRATEGIES.has(strategy))
      throw new StaxError("BAD_REQUEST", `sandbox.strategy must be one of auto, worktree, copy, none`);
    // A re-run in a sandbox runs the original run's commit, as its ref (a copy or `none` runs the workspace as it is).
    const pinnable = rerunOf && (strategy === "auto" || strategy === "worktree") ? rerunOf : undefined;

    checkRequestShape(req);
    const secrets = req.secrets ?? {};
    const id = randomBytes(4).toString("hex");
    let sandbox;
    let pinned: Sandbox | undefined;
    try {
      pinned =
        pinnable &&
        (await pinnedSandbox(this.deps.workspace, this.deps.sandboxDir, id, pinnable, this.deps.host.ownFolders));
      // A sandbox is for legs this process runs itself. On a fleet the workers run every leg from a
      // snapshot of the workspace as it is (the run's source), so none is made, unless a `ref` asks
      // for that commit; the workflow then comes from the sandbox, so its legs are dispatched too.
      const fleetStrategy = this.deps.dispatcher && !req.sandbox?.ref ? "none" : strategy;
      sandbox =
        pinned ??
        (await createSandbox(
          this.deps.workspace,
          this.deps.sandboxDir,
          id,
          fleetStrategy,
          req.sandbox?.ref,
          this.deps.host.ownFolders,
        ));
      // A run outside git has no commit (its sha is zeros): nothing was pinned, nothing to say.
      if (pinnable && !pinned && isCommitSha(pinnable.trigger.sha))
        sandbox.notices.unshift(
          `stax: the commit run ${pinnable.number} ran (${pinnable.trigger.sha.slice(0, 7)}) is not in the repository; this re-run runs ${req.sandbox?.ref ?? "HEAD"}`,
        );
    } catch (err) {
      throw new StaxError("BAD_REQUEST", `cannot prepare the '${strategy}' sandbox: ${errorMessage(err)}`);
    }
    // A run of a commit (a `ref`'s, a re-run's) runs that commit's workflow, as GitHub does; one of
    // HEAD the workspace's as it is. A re-run of a workflow its commit lacks (not committed then) keeps the workspace's.
    const at = pinned ? pinnable?.trigger.sha.slice(0, 7) : req.sandbox?.ref;
    const committed = join(sandbox.dir, workflow.relPath);
    const ofSandbox = at !== undefined && sandbox.dir !== this.deps.workspace;
    let runWorkflow = workflow;
    let checked: ReturnType<typeof checkRunRequest>;
    try {
      const present = ofSandbox && existsSync(committed);
      if (ofSandbox && !present && !pinned)
        throw new StaxError("WORKFLOW_NOT_FOUND", `${workflow.relPath} is not in ${at}`);
      if (present) runWorkflow = await loadWorkflow(committed, sandbox.dir);
      if (runWorkflow.errors.length)
        throw new StaxError(
          "WORKFLOW_INVALID",
          `${workflow.relPath} at ${at} is invalid:\n${runWorkflow.errors.map(formatDiagnostic).join("\n")}`,
          runWorkflow.errors,
        );
      checked = early ?? checkRunRequest(runWorkflow, req.event, req.inputs ?? {}, req.jobs);
    } catch (err) {
      this.dispose(sandbox);
      throw err;
    }
    const { event, inputs } = checked;
    // The request is stored before the run starts, so a re-run after a restart has all of it.
    const request = toStoredRequest(
      req,
      event,
      Object.keys(secrets).length ? this.deps.vault.seal(secrets) : undefined,
    );
    // A write that fails for good (a full disk) stops the run and fails it (store-loss.ts).
    const stopper: { handle?: RunHandle } = {};
    const recorder = new StoreRecorder(this.deps.store, undefined, (err, steps, failRun) =>
      guard.lost(err, this.deps.storeLocation ?? "the store", steps, failRun),
    );
    const guard: StoreLossGuard = new StoreLossGuard(recorder, () => {
      stopper.handle?.cancel();
      // Already ended (its last events still waiting to be written): shown failed from now on.
      if (guard.finalRun) this.unstored.set(id, guard.finalRun);
    });
    let launched: LaunchedRun;
    try {
      launched = await launchRun(
        {
          runId: id,
          request,
          workflow: runWorkflow,
          workspace: sandbox.dir,
          git: sandbox.git,
          inputs,
          secrets,
          vars: req.vars ?? {},
          recorder,
          sink: guard,
          options: {
            notices: sandbox.notices,
            checkouts: {
              mode: req.workspaces?.bind ? "bind" : "isolated",
              root: this.deps.checkoutsDir,
              keep: req.workspaces?.keep === true,
              own: this.deps.host.ownFolders,
              commit: sandbox.commit,
            },
            reuse,
            ...(rerunOf
              ? { rerunOf: { runId: rerunOf.id, runNumber: rerunOf.number, attempt: rerunOf.attempt ?? 1 } }
              : {}),
          },
          onStart: (handle) => (stopper.handle = handle),
        },
        this.deps.host,
        {
          lease: this.lease(),
          coordination: this.deps.dispatcher && { dispatcher: this.deps.dispatcher, reuse },
          onLost: () => this.lost(id),
        },
      );
    } catch (err) {
      this.dispose(sandbox);
      throw err;
    }
    await this.deps.store.runs.save(launched.handle.run);
    this.follow(id, launched, () => this.dispose(sandbox), guard);
    return structuredClone(launched.handle.run);
  }

  /** How this runner holds the runs it coordinates. */
  private lease(): LaunchLease {
    return { store: this.deps.store, vault: this.deps.vault, owner: this.owner, leaseMs: this.deps.leaseMs };
  }

  /** This process stalled past a run's lease and another front-end took the run over (launchRun fences the run). */
  private lost(id: string): void {
    console.error(
      `stax runner: run ${id} was taken over by another front-end while this one did not answer; it records nothing more of it`,
    );
  }

  /** Tracks a started run until it ends, then releases what it held. */
  private follow(id: string, launched: LaunchedRun, release: () => void, guard?: StoreLossGuard): void {
    const { handle } = launched;
    this.active.set(id, handle);
    void handle.done.finally(async () => {
      // A run whose events the store refused: shown as it ended (failed) until its last events are stored.
      if (guard?.failed && guard.finalRun) this.unstored.set(id, guard.finalRun);
      this.deps.dispatcher?.resumed(id);
      this.active.delete(id);
      release();
      await launched.settle().catch(() => {});
      this.unstored.delete(id);
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
    // Until launchRun keeps it, the lease is kept here (checking the source out can outlast a short lease).
    const early = keepLease(this.lease(), id, () => {});
    dispatcher.resume(id, dispatcher.delivered());
    try {
      const prior = await storedState(this.deps.store, id);
      if (!prior) throw new Error("its snapshot is not in the store");
      // Jobs the dead coordinator ran itself are not run again (FleetDispatcher.setPrior).
      dispatcher.setPrior(id, prior.jobs);
      const tempDir = makeRunTemp(this.deps.host.dataDir, id);
      const workspace = join(tempDir, "source");
      await checkoutSource(this.deps.store.blobs, c.source, workspace);
      const workflow = await loadWorkflow(join(workspace, c.workflowPath), workspace);
      if (!workflow.definition) throw new Error(`${c.workflowPath} in the run's source is invalid`);
      const request = claim.request;
      const recorder = new StoreRecorder(this.deps.store);
      recorder.adopt(prior);
      early.stop();
      if (!early.held()) throw new Error("another front-end took it over meanwhile");
      const launched = await launchRun(
        {
          runId: id,
          request,
          workflow,
          workspace,
          inputs: prior.inputs,
          secrets: request.sealedSecrets ? this.deps.vault.unseal(request.sealedSecrets) : {},
          vars: c.vars,
          recorder,
          options: { tempDir, reuse: c.reuse as Reuse | undefined, resume: prior },
        },
        this.deps.host,
        {
          lease: {
            ...this.lease(),
            takeOver: { git: c.git as unknown as GitInfo, source: c.source, runNumber: prior.number },
          },
          coordination: { dispatcher },
          onLost: () => this.lost(id),
        },
      );
      this.follow(id, launched, () => {});
      console.log(
        `stax runner: took over run ${prior.number} (${id}): the front-end that coordinated it stopped answering`,
      );
      return "taken";
    } catch (err) {
      early.stop();
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
    if (run.status === "completed")
      throw new StaxError("RUN_FINISHED", `run ${run.number} (${run.id}) has already completed`);
    if (!handle) {
      // A run between coordinators (its front-end died, another takes it over within a lease) keeps the flag for the next one.
      const between = this.deps.dispatcher && (await this.deps.store.queue.request(run.id))?.coordination;
      if (!between && !(await this.deps.store.queue.owner(run.id, new Date())))
        throw new StaxError(
          "RUN_NOT_HERE",
          `run ${run.number} (${run.id}) is not executed by any live process (a crash left it unfinished; the next runner start marks it cancelled)`,
        );
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
    const req: CreateRunRequest = {
      ...(previous ? toCreateRequest(previous, secrets) : {}),
      workflow: run.workflowFile,
      inputs: run.inputs as CreateRunRequest["inputs"],
      event: run.trigger.event,
    };
    if (job !== undefined) {
      if (!run.jobs.some((j) => j.id === job || j.definitionId === job))
        throw new StaxError("STEP_NOT_FOUND", `run ${run.number} has no job '${job}'`);
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
    if (this.active.has(run.id) || run.status !== "completed")
      throw new StaxError("RUN_ACTIVE", `run ${run.number} is still running; cancel it first`);
    await this.deps.store.runs.delete(run.id);
    return run;
  }

  /** A run by id, prefix, number or `last`; the live object while it runs. */
  async find(ref: string): Promise<WorkflowRun> {
    const found = await findRun(this.deps.store, ref);
    const unstored = this.unstored.get(found.id);
    if (unstored) return structuredClone(unstored);
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
    const ids = await this.deps.store.runs.expired(
      this.deps.retention.maxRuns,
      this.deps.retention.maxAgeDays,
      new Date(),
    );
    for (const id of ids) await this.deps.store.runs.delete(id);
  }
}

/** A run as the store last knew it: its snapshot with every stored job and step event applied (a snapshot may lag its events). */
async function storedState(store: Store, id: string): Promise<WorkflowRun | undefined> {
  const run = await store.runs.get(id);
  return run && withStoredEvents(store, run, Infinity);
}
