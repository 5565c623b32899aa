import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { LegResult } from "../contract/index.js";
import { warmUpParser, type LoadedWorkflow } from "../workflow/index.js";
import { DOCKER_LABEL, describeAddress, reapDeadOwners, runLegSpec } from "../engine/index.js";
import { hostOptions, storeHost, type MachineHost, type RunHost } from "../host/launch.js";
import { reapProcessGroups } from "../host/process-groups.js";
import { collectWhenIdle } from "../host/idle-memory.js";
import {
  claimRun,
  connectStore,
  PgFleet,
  retrying,
  runOwnedElsewhere,
  SecretVault,
  StoreRecorder,
  type ClaimedLeg,
  type Store,
} from "../store/index.js";
import { errorMessage } from "../contract/index.js";
import { WorkerSources } from "./sources.js";

export interface WorkerOptions {
  databaseUrl: string;
  /** Shown as `runner.name` in its legs and in `stax workers`. */
  name: string;
  /** Legs run at once. */
  concurrency: number;
  /** What `runs-on` may ask of it (lower case). */
  labels: string[];
  /** Checkouts, temp folders, caches; nothing of the front-end's. */
  workDir: string;
  /** A leg whose heartbeat is older than this is lost. */
  leaseMs: number;
  secretsKey: string;
  /** What this machine gives each leg (`machineHost`, as for the runner's runs): bound to a workspace's store per leg. */
  machine: MachineHost;
  /** One line of progress (claims, ends, faults). */
  log: (line: string) => void;
}

export interface Worker {
  /** Stops claiming and waits for the legs in hand; `hard` cancels them first (a second Ctrl-C). */
  stop(hard?: boolean): Promise<void>;
  readonly done: Promise<void>;
}

interface InHand {
  cancel(hard: boolean): void;
  level: number;
}

/**
 * `stax worker`: claims job legs whose labels it has, one per free slot, and runs each with the
 * engine in its own checkout of the run's source, storing events, logs and artifacts in the
 * shared store. Heartbeats keep its leases; cancel notifications stop a leg within a second.
 */
export async function startWorker(input: WorkerOptions): Promise<Worker> {
  // A worker with a Docker engine says so with the `docker` label: legs with a job container, services or docker:// steps need one.
  const { docker } = input.machine;
  const hasDocker = await docker.ping(3000);
  const o: WorkerOptions = {
    ...input,
    labels: hasDocker ? [...new Set([...input.labels, DOCKER_LABEL])] : input.labels.filter((l) => l !== DOCKER_LABEL),
  };
  o.log(
    hasDocker
      ? `Docker engine: answers at ${describeAddress(docker.address)} (label ${DOCKER_LABEL})`
      : `Docker engine: none answers at ${describeAddress(docker.address)}; legs that need Docker go to other workers`,
  );
  // Connections sized to the slots (docs/scale-out.md, "Sizing"): 32 one-slot workers with the
  // front-end's pools (4 + 8 + LISTEN each) took every connection a server allows.
  const fleet = await PgFleet.connect(o.databaseUrl, { poolSize: 2 });
  await fleet.registerWorker(o.name, o.labels, o.concurrency);
  // Checkouts and leg temp folders (secrets in plain text) are no other local user's to read.
  mkdirSync(o.workDir, { recursive: true, mode: 0o700 });
  await cleanUpAfterCrash(o.workDir);
  if (hasDocker) await reapDeadOwners(docker);
  // Before the first claim: a leg's way to its first step loads its workflow.
  await warmUpParser();
  // Each workspace's store and host, made on its first leg here: its cache folder, its artifacts,
  // and actions/cache entries shared with the other workers (one per workspace: it remembers the entries it read).
  const workspaces = new Map<string, Promise<{ store: Store; host: RunHost }>>();
  const workspaceOf = (ws: string) => {
    let w = workspaces.get(ws);
    if (!w) {
      w = connectStore({
        dataDir: join(o.workDir, ws),
        databaseUrl: o.databaseUrl,
        poolSize: Math.min(8, o.concurrency + 1),
      }).then((store) => ({
        store,
        host: storeHost(o.machine, store, {
          dataDir: o.workDir,
          cacheDir: join(o.workDir, "cache", ws),
          sharedCache: true,
        }),
      }));
      workspaces.set(ws, w);
    }
    return w;
  };
  const inHand = new Map<string, InHand>();
  // Each commit's source is prepared once here (on its first leg) and copied for each leg. The folder is claimed as a leg's is: a start after a crash removes it.
  const sourcesKey = `sources-${process.pid}`;
  const releaseSources = claimRun(o.workDir, sourcesKey);
  const sources = new WorkerSources(join(o.workDir, "sources", sourcesKey));
  const running = new Set<Promise<void>>();
  const cleanups = new Set<Promise<void>>();
  // An idle worker gives back what its last legs' logs left in the heap, as a runner does.
  const stopCollecting = collectWhenIdle(() => running.size === 0);
  let stopping = false;
  let wake: (() => void) | undefined;
  // A notification that came while a claim was on its way (found nothing, the leg committed just
  // after) must not be lost: the nap that follows returns at once instead of sleeping a second.
  let poked = false;
  const poke = () => {
    poked = true;
    wake?.();
  };
  const nap = (ms: number) =>
    new Promise<void>((r) => {
      if (poked) return r();
      wake = r;
      setTimeout(r, ms);
    });

  const applyCancel = async (id: string) => {
    const h = inHand.get(id);
    if (!h) return;
    const level = await fleet.cancelLevel(id).catch(() => 0);
    if (level > h.level) {
      h.level = level;
      h.cancel(level >= 2);
    }
  };
  fleet.listen((payload) => {
    if (payload.startsWith("cancel ")) void applyCancel(payload.slice(7));
    // Only new legs (or a reconnect, after which some may have been missed) are worth a claim; a
    // `done` of another worker's leg woke every idle worker of the fleet for nothing.
    else if (payload === "queued" || payload === "connected") poke();
  });
  const beat = setInterval(
    () => {
      void fleet.heartbeat(o.name, o.leaseMs, inHand.size).catch(() => {});
      // Notifications can be missed while the database reconnects: poll the cancel levels too.
      for (const id of inHand.keys()) void applyCancel(id);
    },
    Math.max(200, Math.min(o.leaseMs / 3, 1000)),
  );
  beat.unref();

  const runLeg = async (leg: ClaimedLeg): Promise<void> => {
    const { spec } = leg;
    // While the leg runs this process claims it in the work folder (as `stax run` claims a run in a
    // data folder): the next start of a worker there reaps what a crash left, but never a live leg's.
    const key = `${spec.runId}-${leg.id}`;
    const release = claimRun(o.workDir, key);
    const dir = join(o.workDir, "legs", key);
    const workspace = join(dir, "workspace");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    o.log(`${spec.job.id} (run ${spec.runNumber}): started`);
    let result: LegResult = { result: "failure", outputs: {} };
    try {
      const { store, host } = await workspaceOf(spec.workspace);
      const vault = new SecretVault(store.secrets, o.workDir, o.secretsKey);
      const recorder = new StoreRecorder(store);
      let setupError: string | undefined;
      let workflow: LoadedWorkflow | undefined;
      try {
        await sources.checkout(store.blobs, spec.source, workspace);
        // Only from a checkout that worked: an empty folder's "cannot read" is no answer for the commit.
        workflow = await sources.workflow(spec.source, spec.workflowPath, workspace).catch(() => undefined);
      } catch (err) {
        setupError = `the worker could not check out the run's source: ${errorMessage(err)}`;
        mkdirSync(workspace, { recursive: true });
      }
      const secrets = vault.unseal(spec.sealedSecrets);
      const handle = await runLegSpec(spec, {
        // Process groups are recorded under the leg's claim key, so a worker starting here after a crash reaps them.
        ...hostOptions(host, key),
        workspace,
        tempDir: join(dir, "temp"),
        sink: recorder,
        secrets,
        runnerName: o.name,
        labels: o.labels,
        setupError,
        workflow,
      });
      inHand.set(leg.id, { cancel: handle.cancel, level: 0 });
      void applyCancel(leg.id);
      result = await handle.done;
      await recorder.idle();
    } catch (err) {
      o.log(`${spec.job.id} (run ${spec.runNumber}): ${errorMessage(err)}`);
    } finally {
      inHand.delete(leg.id);
      await retrying(() => fleet.finish(leg.id, result), 300_000).catch((err) =>
        o.log(`could not report the end of ${spec.job.id}: ${errorMessage(err)}`),
      );
      o.log(`${spec.job.id} (run ${spec.runNumber}): ${result.result}`);
      // The slot is free once the end is reported: the leg's folder goes while the next leg starts
      // (the claim on the work folder is released after it, so a crash meanwhile still reaps it).
      const cleanup = rm(dir, { recursive: true, force: true })
        .catch(() => {})
        .finally(() => {
          release();
          cleanups.delete(cleanup);
        });
      cleanups.add(cleanup);
    }
  };

  const loop = async () => {
    while (!stopping) {
      if (running.size >= o.concurrency) {
        await Promise.race(running);
        continue;
      }
      let leg: ClaimedLeg | undefined;
      poked = false;
      try {
        leg = await fleet.claim(o.name, o.labels, o.leaseMs);
      } catch {
        await nap(1000);
        continue;
      }
      if (!leg) {
        await nap(1000);
        continue;
      }
      const p = runLeg(leg).finally(() => running.delete(p));
      running.add(p);
    }
    await Promise.all(running);
    await Promise.all(cleanups);
  };
  const done = loop().finally(async () => {
    clearInterval(beat);
    stopCollecting();
    await fleet.removeWorker(o.name).catch(() => {});
    await fleet.close().catch(() => {});
    for (const w of workspaces.values()) await (await w).store.close().catch(() => {});
    await sources.close();
    releaseSources();
  });
  return {
    done,
    async stop(hard = false) {
      stopping = true;
      poke();
      if (hard) for (const h of inHand.values()) h.cancel(true);
      await done;
    },
  };
}

/**
 * What a worker killed mid-leg (kill -9, power) left in its work folder: its steps' process groups
 * are killed and its legs' folders (checkout, temp folder with plaintext secrets) and prepared
 * sources removed, except those another live worker process of the same folder uses.
 */
async function cleanUpAfterCrash(workDir: string): Promise<void> {
  const live = (key: string) => runOwnedElsewhere(workDir, key);
  await reapProcessGroups(workDir, live);
  for (const folder of ["legs", "sources"]) {
    let names: string[] = [];
    try {
      names = readdirSync(join(workDir, folder));
    } catch {
      continue;
    }
    for (const name of names) if (!live(name)) rmSync(join(workDir, folder, name), { recursive: true, force: true });
  }
}
