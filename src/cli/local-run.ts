import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { EventSink, WorkflowRun } from "../contract/index.js";
import { DockerEngine, dockerAddress, gitFetcher, LegSlots, startRun, type ActionSources, type ProcessRecorder, type ArtifactStore, type RunHandle } from "../engine/index.js";
import type { Config } from "../config/config.js";
import { StoreArtifacts } from "../server/artifacts.js";
import { processRecorder } from "../server/process-groups.js";
import { makeRunTemp } from "../server/run-temp.js";
import { claimRun, SecretVault, StoreRecorder, openStore } from "../store/index.js";
import type { RunPlan } from "./run-plan.js";

/**
 * Runs a plan in this process, recording it in the workspace's store (so it shows in the
 * dashboard later) with the stored secrets under the command line's.
 */
export async function runInStore(plan: RunPlan, sink: EventSink, config: Readonly<Config>): Promise<WorkflowRun> {
  const store = openStore(config.dataDir);
  const runId = randomBytes(4).toString("hex");
  const release = claimRun(config.dataDir, runId);
  try {
    const vault = new SecretVault(store, config.dataDir, config.secretsKey);
    const recorder = new StoreRecorder(store, (e) => sink.emit(e));
    return await runLocally({ ...plan, secrets: { ...vault.all(), ...plan.secrets } }, recorder, {
      runId,
      runNumber: store.nextRunNumber(),
      hostEnv: process.env,
      tempDir: makeRunTemp(config.dataDir, runId),
      actions: { cache: config.actionsCache, overrides: plan.actions, fetch: gitFetcher(config.actionsCache, { token: process.env.GITHUB_TOKEN }) },
      artifacts: new StoreArtifacts(store, config.dataDir),
      cacheDir: join(config.dataDir, "cache"),
      docker: new DockerEngine(dockerAddress(config.dockerHost)),
      legSlots: new LegSlots(config.maxJobs),
      processes: processRecorder(config.dataDir, runId),
    });
  } finally {
    release();
    store.close();
  }
}

/** Runs a plan in this process. SIGINT cancels gracefully; a second SIGINT stops at once. */
export async function runLocally(plan: RunPlan, sink: EventSink, opts: { runId?: string; runNumber?: number; tempDir?: string; hostEnv: Record<string, string | undefined>; actions?: ActionSources; artifacts?: ArtifactStore; cacheDir?: string; docker?: DockerEngine; legSlots?: LegSlots; processes?: ProcessRecorder }): Promise<WorkflowRun> {
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
    jobs: plan.jobs,
    hostEnv: opts.hostEnv,
    tempDir: opts.tempDir ?? mkdtempSync(join(tmpdir(), "stax-run-")),
    sink,
    actions: opts.actions,
    artifacts: opts.artifacts,
    cacheDir: opts.cacheDir,
    docker: opts.docker,
    legSlots: opts.legSlots,
    processes: opts.processes,
  });
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    process.stderr.write(interrupts === 1 ? "\nstax: cancelling the run (Ctrl-C again to stop at once)\n" : "\nstax: stopping now\n");
    handle.cancel();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await handle.done;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
