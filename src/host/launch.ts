/**
 * What a run or a leg takes from this machine and its workspace's store, the same whoever starts
 * it: the runner's API, an in-process `stax run`, a front-end taking a run over, a worker running
 * a leg. One place, so a service added here reaches every way a step can run.
 */
import { join } from "node:path";
import type { Config } from "../config/config.js";
import {
  DockerEngine,
  dockerAddress,
  gitFetcher,
  LegSlots,
  type CacheLimits,
  type RunOptions,
} from "../engine/index.js";
import type { Store } from "../store/index.js";
import { StoreArtifacts } from "./artifacts.js";
import { processRecorder } from "./process-groups.js";
import { BlobCache } from "./shared-cache.js";

/** The machine's part, whichever workspace a run or leg belongs to: built once per process. */
export interface MachineHost {
  hostEnv: Record<string, string | undefined>;
  actionsCache?: string;
  toolCache: string;
  cacheLimits: CacheLimits;
  docker: DockerEngine;
  /** Every job's steps get a HOME of the job's own (`STAX_PRIVATE_HOME`). */
  privateHome: boolean;
  /** stax's own folders (see staxFolders): never part of a sandbox or a leg's checkout. */
  ownFolders: string[];
}

/** The machine's part bound to one workspace's store and to the folder its runs or legs keep files in. */
export interface RunHost extends MachineHost {
  /** Run temp folders (runner, `stax run`) and process-group records: the data folder, or a worker's work folder. */
  dataDir: string;
  /** actions/cache entries on this machine. */
  cacheDir: string;
  artifacts: StoreArtifacts;
  /** actions/cache entries shared with other machines through the store (a worker's legs). */
  sharedCache?: BlobCache;
  /** The cap on job legs running at once, shared by every run of this process; absent on a worker (its slots cap its legs). */
  legSlots?: LegSlots;
}

/** Where a workspace's runs or legs keep their files on this machine, and what they share. */
export interface HostPlace {
  dataDir: string;
  cacheDir: string;
  /** Cache entries go to the store's blobs too (many machines). */
  sharedCache?: boolean;
  legSlots?: LegSlots;
}

/** The folders stax keeps its data in (home, action cache, sandboxes): a workspace may hold them (STAX_HOME=./.stax). */
export function staxFolders(config: Readonly<Config>): string[] {
  return [config.home, config.actionsCache, config.sandboxDir];
}

export function machineHost(config: Readonly<Config>, hostEnv: Record<string, string | undefined>): MachineHost {
  return {
    hostEnv,
    actionsCache: config.actionsCache,
    toolCache: join(config.home, "tools"),
    cacheLimits: config.cacheLimits,
    docker: new DockerEngine(dockerAddress(config.dockerHost)),
    privateHome: config.privateHome,
    ownFolders: staxFolders(config),
  };
}

/** One workspace's host on this machine (a worker builds one per workspace it runs legs of; the shared cache remembers the entries it read). */
export function storeHost(machine: MachineHost, store: Store, place: HostPlace): RunHost {
  return {
    ...machine,
    dataDir: place.dataDir,
    cacheDir: place.cacheDir,
    artifacts: new StoreArtifacts(store),
    sharedCache: place.sharedCache ? new BlobCache(store.blobs) : undefined,
    legSlots: place.legSlots,
  };
}

/** The runner's and `stax run`'s host: the workspace's data folder, and one cap on legs for every run of the process. */
export function runHost(config: Readonly<Config>, store: Store, hostEnv: Record<string, string | undefined>): RunHost {
  return storeHost(machineHost(config, hostEnv), store, {
    dataDir: config.dataDir,
    cacheDir: join(config.dataDir, "cache"),
    legSlots: new LegSlots(config.maxJobs),
  });
}

/** The options a run or leg takes from its host; `id` names its process-group records (a run's id, a worker's `<run>-<leg>`); `overrides`: `--action` folders. */
export function hostOptions(
  host: RunHost,
  id: string,
  overrides: Record<string, string> = {},
): Pick<
  RunOptions,
  | "hostEnv"
  | "actions"
  | "artifacts"
  | "cacheDir"
  | "sharedCache"
  | "cacheLimits"
  | "docker"
  | "toolCache"
  | "legSlots"
  | "processes"
  | "privateHome"
> {
  return {
    hostEnv: host.hostEnv,
    actions: {
      cache: host.actionsCache,
      overrides,
      fetch: host.actionsCache ? gitFetcher(host.actionsCache, { token: host.hostEnv.GITHUB_TOKEN }) : undefined,
    },
    artifacts: host.artifacts,
    cacheDir: host.cacheDir,
    sharedCache: host.sharedCache,
    cacheLimits: host.cacheLimits,
    docker: host.docker,
    toolCache: host.toolCache,
    legSlots: host.legSlots,
    processes: processRecorder(host.dataDir, id),
    privateHome: host.privateHome,
  };
}
