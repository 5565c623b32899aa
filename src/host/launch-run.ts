/**
 * The one way a run is launched, whoever launches it: the runner's `POST /api/runs` and re-runs,
 * a front-end taking over a run whose coordinator died, an in-process `stax run`. The sequence is
 * written once: the stored secrets and their readable check, the stored request, its claim and
 * lease, the git facts, variables and source snapshot, the recorder, `startRun`; and the lease is
 * kept and fenced here, so a process that stalls past its lease and is taken over records nothing
 * more of the run.
 */
import { basename } from "node:path";
import { errorMessage, StaxError, type EventSink } from "../contract/index.js";
import { readGitInfoAsync, startRun, type GitInfo, type RunHandle, type RunOptions } from "../engine/index.js";
import {
  storedVars,
  type BlobStore,
  type SecretVault,
  type StoreRecorder,
  type StoredRunRequest,
} from "../store/index.js";
import type { LoadedWorkflow } from "../workflow/index.js";
import type { FleetDispatcher } from "./dispatcher.js";
import { hostOptions, type RunHost } from "./launch.js";
import { keepLease, type LeaseKeeper, type RunLease } from "./lease.js";
import { assertReadable } from "./readable.js";
import { requestOptions } from "./run-request.js";
import { makeRunTemp } from "./run-temp.js";
import { snapshotSource } from "./source.js";

/** What is launched. */
export interface RunLaunch {
  runId: string;
  /** The request as stored (a new run's is enqueued here; a run taken over was claimed with it). */
  request: StoredRunRequest;
  /** The workflow run, loaded from `workspace`. */
  workflow: LoadedWorkflow;
  /** The folder the run is planned from: the workspace, a sandbox, or a run's source checked out. */
  workspace: string;
  /** The run's git facts when `workspace` is a sandbox (its own would name the sandbox); absent: read from `workspace`. */
  git?: GitInfo;
  inputs: Record<string, unknown>;
  /** The request's own secrets (plain); those stored in the vault are under them. */
  secrets: Record<string, string>;
  /** The request's own variables; the stored ones are under them. A run taken over has its coordination's. */
  vars: Record<string, string>;
  recorder: StoreRecorder;
  /** What the engine writes to: the recorder, or a guard in front of it (store-loss.ts). */
  sink?: EventSink;
  /** What only this launcher gives (checkouts, notices, reuse, a re-run's origin, a resume, a signal). */
  options?: Partial<Omit<RunOptions, "sink">>;
  /** Called once the run started, before anything else happens to it (e.g. a cancel watcher). */
  onStart?: (handle: RunHandle) => void;
}

export interface LaunchLease extends RunLease {
  vault: SecretVault;
  /** A new run (enqueued and claimed here) or one taken over (claimed by the caller, with its coordination). */
  takeOver?: { git: GitInfo; source: { key: string; commit: string }; runNumber: number };
}

/** Many machines: the run's legs go to the fleet, with its source and what another front-end needs to take it over. */
export interface LaunchCoordination {
  dispatcher: FleetDispatcher;
  /** A re-run of failed jobs: kept with the coordination so a take-over keeps them too. */
  reuse?: unknown;
}

export interface LaunchedRun {
  handle: RunHandle;
  lease: LeaseKeeper;
  /** Once the run ended: stops the lease, waits for the recorder, and gives the run back to the queue if the lease is still this process's. */
  settle(): Promise<void>;
}

/** Launches a run; a failure before `startRun` stops the lease it took and throws. */
export async function launchRun(
  l: RunLaunch,
  host: RunHost,
  o: { lease: LaunchLease; coordination?: LaunchCoordination; onLost?: () => void },
): Promise<LaunchedRun> {
  const { store } = o.lease;
  const stored = await o.lease.vault.all();
  if (!o.lease.takeOver) {
    assertReadable(l.workflow, stored.unreadable, l.secrets, o.lease.vault.keySource);
    await store.queue.enqueue(l.runId, l.request);
    await store.queue.claim(o.lease.owner, o.lease.leaseMs, l.runId);
  }
  // Kept from the claim on (snapshotting the source can outlast a short lease). A lease found
  // taken: nothing more is recorded, the fleet's legs are left to the new coordinator, and the
  // run stops here.
  const started: { handle?: RunHandle } = {};
  const lease = keepLease(o.lease, l.runId, () => {
    l.recorder.fence();
    o.coordination?.dispatcher.abandon(l.runId);
    o.onLost?.();
    started.handle?.cancel();
  });
  try {
    const git = o.lease.takeOver?.git ?? l.git ?? (await readGitInfoAsync(l.workspace, basename(l.workspace)));
    const vars = o.lease.takeOver ? l.vars : { ...(await storedVars(store)), ...l.vars };
    const source =
      o.lease.takeOver?.source ??
      (o.coordination ? await snapshot(l.workspace, store.blobs, l.runId, host) : undefined);
    if (o.coordination && source) {
      o.coordination.dispatcher.setSource(l.runId, source);
      // What another front-end needs to take the run over if this one dies (many machines).
      if (!o.lease.takeOver)
        await store.queue.update(l.runId, {
          ...l.request,
          coordination: {
            workflowPath: l.workflow.relPath,
            source,
            git: { ...git },
            vars,
            ...(o.coordination.reuse ? { reuse: o.coordination.reuse } : {}),
          },
        });
    }
    const { actions, ...fromRequest } = requestOptions(l.request);
    const handle = (started.handle = startRun({
      ...hostOptions(host, l.runId, actions),
      ...fromRequest,
      runId: l.runId,
      runNumber: o.lease.takeOver?.runNumber ?? (await store.runs.nextNumber()),
      workspace: l.workspace,
      workflow: l.workflow,
      inputs: l.inputs,
      secrets: { ...stored.values, ...l.secrets },
      vars,
      tempDir: l.options?.tempDir ?? makeRunTemp(host.dataDir, l.runId),
      git,
      legs: o.coordination?.dispatcher,
      ...l.options,
      sink: l.sink ?? l.recorder,
    }));
    l.onStart?.(handle);
    if (!lease.held()) handle.cancel();
    return { handle, lease, settle: () => settle(l, o, lease) };
  } catch (err) {
    lease.stop();
    throw err;
  }
}

async function settle(
  l: RunLaunch,
  o: { lease: LaunchLease; coordination?: LaunchCoordination },
  lease: LeaseKeeper,
): Promise<void> {
  lease.stop();
  o.coordination?.dispatcher.setSource(l.runId, undefined);
  try {
    await l.recorder.idle();
  } finally {
    // A run taken over by another coordinator is that one's to complete.
    if (lease.held()) await o.lease.store.queue.complete(l.runId);
  }
}

async function snapshot(
  workspace: string,
  blobs: BlobStore,
  runId: string,
  host: Pick<RunHost, "ownFolders" | "hostEnv">,
): Promise<{ key: string; commit: string }> {
  try {
    return await snapshotSource(workspace, blobs, runId, host.ownFolders, host.hostEnv);
  } catch (err) {
    throw new StaxError("BAD_REQUEST", `cannot snapshot the workspace for the workers: ${errorMessage(err)}`);
  }
}
