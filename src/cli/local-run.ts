import { randomBytes } from "node:crypto";
import type { EventSink, WorkflowRun } from "../contract/index.js";
import { DockerEngine, dockerAddress, reapDeadOwners, type CheckoutOptions, type RunHandle } from "../engine/index.js";
import type { Config } from "../config/config.js";
import { runHost } from "../host/launch.js";
import { launchRun } from "../host/launch-run.js";
import { toStoredRequest } from "../host/run-request.js";
import { claimRun, ownerName, PgFleet, SecretVault, StoreRecorder, connectStore, type Store } from "../store/index.js";
import { FleetDispatcher } from "../host/dispatcher.js";
import { onOutputClosed } from "./closed-output.js";
import { planRequest, type RunPlan } from "./run-plan.js";

/**
 * Runs a plan in this process, recording it in the workspace's store (so it shows in the
 * dashboard later) with the stored secrets and variables under the command line's (CTX-08).
 * Aborting `signal` cancels the run as Ctrl-C does.
 */
export async function runInStore(
  plan: RunPlan,
  sink: EventSink,
  config: Readonly<Config>,
  signal?: AbortSignal,
  checkouts?: CheckoutOptions,
): Promise<WorkflowRun> {
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
    const secrets = plan.secrets ?? {};
    // The request is kept with the run (re-runs from the dashboard), and the lease tells the runner who executes it.
    const request = toStoredRequest(
      planRequest(plan, "none", checkouts),
      plan.event,
      Object.keys(secrets).length ? vault.seal(secrets) : undefined,
    );
    const recorder = new StoreRecorder(store, (e) => sink.emit(e));
    const fleet = config.databaseUrl
      ? await connectFleet(config.databaseUrl, config.leaseMs, store, vault, runId, sink)
      : undefined;
    closeFleet = async () => fleet?.close();
    const launched = await launchRun(
      {
        runId,
        request,
        workflow: plan.workflow,
        workspace: plan.workspace,
        inputs: plan.inputs,
        secrets,
        vars: plan.vars ?? {},
        recorder,
        options: { checkouts },
        onStart: (handle) => (stopWatching = watchHandle(handle, signal)),
      },
      runHost(config, store, process.env),
      {
        lease: { store, vault, owner, leaseMs: config.leaseMs },
        coordination: fleet && { dispatcher: fleet.dispatcher },
        onLost: () =>
          process.stderr.write(
            `\nstax: run ${runId} was taken over by a front-end while this process did not answer (past its lease of ${config.leaseMs / 1000}s); it records nothing more of it: follow it there (stax runs)\n`,
          ),
      },
    );
    const watching = watchCancel(store, runId, launched.handle);
    try {
      const run = await launched.handle.done;
      await launched.settle();
      return run;
    } finally {
      watching();
    }
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
 * workspace goes to the store as the run's source (launchRun), and the workers' events are shown
 * as they are committed.
 */
async function connectFleet(
  databaseUrl: string,
  leaseMs: number,
  store: Store,
  vault: SecretVault,
  runId: string,
  sink: EventSink,
): Promise<{ dispatcher: FleetDispatcher; close(): Promise<void> }> {
  const fleet = await PgFleet.connect(databaseUrl);
  const dispatcher = new FleetDispatcher(
    fleet,
    store,
    vault,
    (job, labels) =>
      process.stderr.write(
        `stax: job '${job}' waits for a worker with the labels ${labels.join(", ") || "(any)"}: none is live now (see stax workers)\n`,
      ),
    leaseMs,
  );
  store.follow();
  store.events.onCommit((batch) => {
    for (const e of batch) if (e.runId === runId && dispatcher.follows(e.runId, e.jobId)) sink.emit(e);
  });
  return {
    dispatcher,
    async close() {
      dispatcher.close();
      await fleet.close();
    },
  };
}

/** Polls the run's cancel flag, so `stax cancel` or the dashboard, through the runner, cancel a run this process executes. */
function watchCancel(store: Store, runId: string, handle: RunHandle): () => void {
  const timer = setInterval(() => {
    void store.queue
      .cancelRequested(runId)
      .then((asked) => {
        if (!asked) return;
        clearInterval(timer);
        process.stderr.write("\nstax: the run was cancelled from another process (stax cancel, the dashboard)\n");
        handle.cancel();
      })
      // The store is away for a moment: the next poll asks again.
      .catch(() => {});
  }, 250);
  return () => clearInterval(timer);
}

/** SIGINT cancels the run gracefully, a second SIGINT stops it at once; a closed output or an aborted `signal` cancels it once. */
function watchHandle(handle: RunHandle, signal?: AbortSignal): () => void {
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    process.stderr.write(
      interrupts === 1 ? "\nstax: cancelling the run (Ctrl-C again to stop at once)\n" : "\nstax: stopping now\n",
    );
    handle.cancel();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // A closed output cancels once, like a first Ctrl-C (steps with always() and post steps still run).
  const offClosed = onOutputClosed(() => handle.cancel());
  const onAbort = (): void => handle.cancel();
  signal?.addEventListener("abort", onAbort);
  return () => {
    signal?.removeEventListener("abort", onAbort);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    offClosed();
  };
}
