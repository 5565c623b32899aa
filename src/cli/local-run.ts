import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { randomBytes } from "node:crypto";
import type { EventSink, WorkflowRun } from "../contract/index.js";
import { DockerEngine, dockerAddress, reapDeadOwners, LegSlots, readGitInfoAsync, startRun, type GitInfo, type ActionSources, type ArtifactStore, type CacheLimits, type CheckoutOptions, type LegDispatcher, type ProcessRecorder, type RunHandle } from "../engine/index.js";
import type { Config } from "../config/config.js";
import { hostOptions, runHost, staxFolders } from "../host/launch.js";
import { makeRunTemp } from "../host/run-temp.js";
import { claimRun, ownerName, PgFleet, SecretVault, StoreRecorder, connectStore, storedVars, type Store, type StoredRunRequest } from "../store/index.js";
import { FleetDispatcher } from "../host/dispatcher.js";
import { snapshotSource } from "../host/source.js";
import { assertReadable } from "../host/readable.js";
import { onOutputClosed } from "./closed-output.js";
import type { RunPlan } from "./run-plan.js";

/**
 * Runs a plan in this process, recording it in the workspace's store (so it shows in the
 * dashboard later) with the stored secrets and variables under the command line's (CTX-08).
 * Aborting `signal` cancels the run as Ctrl-C does.
 */
export async function runInStore(plan: RunPlan, sink: EventSink, config: Readonly<Config>, signal?: AbortSignal, checkouts?: CheckoutOptions): Promise<WorkflowRun> {
  const store = await connectStore(config);
  const runId = randomBytes(4).toString("hex");
  const owner = ownerName("stax-run");
  const release = claimRun(config.dataDir, runId);
  // Containers and networks a killed stax left (their owner is dead), removed while this run starts.
  const reaped = reapDeadOwners(new DockerEngine(dockerAddress(config.dockerHost)));
  let stopWatching = (): void => {};
  let closeFleet = async (): Promise<void> => {};
  try {
    const vault = new SecretVault(store.secrets, config.dataDir, config.secretsKey);
    const stored = await vault.all();
    assertReadable(plan.workflow, stored.unreadable, plan.secrets ?? {}, vault.keySource);
    // The request is kept with the run (re-runs from the dashboard), and the lease tells the runner who executes it.
    const request: StoredRunRequest = { workflow: plan.workflow.relPath, event: plan.event, inputs: plan.inputs as Record<string, string>, eventPayload: plan.eventPayload, jobs: plan.jobs, env: plan.env, actions: plan.actions, vars: plan.vars, ...(plan.matrix ? { matrix: plan.matrix } : {}), ...(plan.actor ? { actor: plan.actor } : {}), sandbox: { strategy: "none" }, platforms: plan.platforms, ...(checkouts ? { workspaces: { bind: checkouts.mode === "bind", keep: checkouts.keep === true } } : {}), ...(plan.secrets && Object.keys(plan.secrets).length ? { sealedSecrets: vault.seal(plan.secrets) } : {}) };
    await store.queue.enqueue(runId, request);
    await store.queue.claim(owner, config.leaseMs, runId);
    const recorder = new StoreRecorder(store, (e) => sink.emit(e));
    const fleet = config.databaseUrl ? await connectFleet(config.databaseUrl, config.leaseMs, store, vault, plan.workspace, runId, sink, staxFolders(config)) : undefined;
    closeFleet = async () => fleet?.close();
    const vars = { ...(await storedVars(store)), ...plan.vars };
    const git = fleet ? await readGitInfoAsync(plan.workspace, basename(plan.workspace)) : undefined;
    // What a front-end needs to take the run over if this process dies (many machines).
    if (fleet && git) await store.queue.update(runId, { ...request, coordination: { workflowPath: plan.workflow.relPath, source: fleet.source, git: { ...git }, vars } });
    const run = await runLocally({ ...plan, secrets: { ...stored.values, ...plan.secrets }, vars }, recorder, {
      ...hostOptions(runHost(config, store, process.env), runId, plan.actions),
      git,
      signal,
      legs: fleet?.dispatcher,
      runId,
      runNumber: await store.runs.nextNumber(),
      tempDir: makeRunTemp(config.dataDir, runId),
      checkouts,
      onStart: (handle) => (stopWatching = watchCancel(store, runId, owner, config.leaseMs, handle)),
    });
    await recorder.idle();
    await store.queue.complete(runId);
    return run;
  } finally {
    stopWatching();
    release();
    await reaped;
    await closeFleet();
    await store.close();
  }
}

/**
 * With a shared store, this process coordinates the run and the workers run its legs: the
 * workspace goes to the store as the run's source, and the workers' events are shown as they are
 * committed.
 */
async function connectFleet(databaseUrl: string, leaseMs: number, store: Store, vault: SecretVault, workspace: string, runId: string, sink: EventSink, own: string[]): Promise<{ dispatcher: FleetDispatcher; source: { key: string; commit: string }; close(): Promise<void> }> {
  const fleet = await PgFleet.connect(databaseUrl);
  const dispatcher = new FleetDispatcher(fleet, store, vault, (job, labels) => process.stderr.write(`stax: job '${job}' waits for a worker with the labels ${labels.join(", ") || "(any)"}: none is live now (see stax workers)\n`), leaseMs);
  store.follow();
  store.events.onCommit((batch) => {
    for (const e of batch) if (e.runId === runId && dispatcher.follows(e.runId, e.jobId)) sink.emit(e);
  });
  const source = await snapshotSource(workspace, store.blobs, runId, own);
  dispatcher.setSource(runId, source);
  return {
    dispatcher,
    source,
    async close() {
      dispatcher.close();
      await fleet.close();
    },
  };
}

/**
 * Heartbeats the run's lease and polls its cancel flag, so `stax cancel` or the dashboard, through
 * the runner, cancel a run this process executes.
 */
function watchCancel(store: Store, runId: string, owner: string, leaseMs: number, handle: RunHandle): () => void {
  let beat = Date.now();
  const timer = setInterval(() => {
    void (async () => {
      if (Date.now() - beat >= leaseMs / 3) {
        beat = Date.now();
        await store.queue.heartbeat(runId, owner, leaseMs);
      }
      if (await store.queue.cancelRequested(runId)) {
        clearInterval(timer);
        process.stderr.write("\nstax: the run was cancelled from another process (stax cancel, the dashboard)\n");
        handle.cancel();
      }
    })().catch(() => {});
  }, 250);
  return () => clearInterval(timer);
}

/** Runs a plan in this process. SIGINT cancels gracefully; a second SIGINT stops at once. */
export async function runLocally(plan: RunPlan, sink: EventSink, opts: { signal?: AbortSignal; runId?: string; runNumber?: number; tempDir?: string; hostEnv: Record<string, string | undefined>; actions?: ActionSources; artifacts?: ArtifactStore; cacheDir?: string; cacheLimits?: CacheLimits; docker?: DockerEngine; checkouts?: CheckoutOptions; toolCache?: string; privateHome?: boolean; legSlots?: LegSlots; processes?: ProcessRecorder; onStart?: (handle: RunHandle) => void; legs?: LegDispatcher; git?: GitInfo }): Promise<WorkflowRun> {
  const handle: RunHandle = startRun({
    runId: opts.runId ?? randomBytes(4).toString("hex"),
    runNumber: opts.runNumber ?? 1,
    workspace: plan.workspace,
    workflow: plan.workflow,
    event: plan.event,
    eventPayload: plan.eventPayload,
    inputs: plan.inputs,
    secrets: plan.secrets,
    env: plan.env,
    vars: plan.vars,
    matrix: plan.matrix,
    actor: plan.actor,
    jobs: plan.jobs,
    hostEnv: opts.hostEnv,
    tempDir: opts.tempDir ?? mkdtempSync(join(tmpdir(), "stax-run-")),
    sink,
    actions: opts.actions,
    artifacts: opts.artifacts,
    cacheDir: opts.cacheDir,
    cacheLimits: opts.cacheLimits,
    docker: opts.docker,
    checkouts: opts.checkouts,
    toolCache: opts.toolCache,
    privateHome: opts.privateHome,
    platforms: plan.platforms,
    legSlots: opts.legSlots,
    processes: opts.processes,
    legs: opts.legs,
    git: opts.git,
  });
  opts.onStart?.(handle);
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    process.stderr.write(interrupts === 1 ? "\nstax: cancelling the run (Ctrl-C again to stop at once)\n" : "\nstax: stopping now\n");
    handle.cancel();
  };
  const onAbort = (): void => handle.cancel();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // A closed output cancels once, like a first Ctrl-C (steps with always() and post steps still run).
  const offClosed = onOutputClosed(() => handle.cancel());
  opts.signal?.addEventListener("abort", onAbort);
  try {
    return await handle.done;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    offClosed();
    opts.signal?.removeEventListener("abort", onAbort);
  }
}
