/**
 * What a run takes from this machine and the workspace's store, the same whoever starts it: the
 * runner's API, an in-process `stax run`, a front-end taking a run over. One place, so a run
 * started one way never lacks what another way gives it.
 */
import { join } from "node:path";
import type { Config } from "../config/config.js";
import { DockerEngine, dockerAddress, gitFetcher, LegSlots, type CacheLimits, type RunOptions } from "../engine/index.js";
import type { Store } from "../store/index.js";
import { StoreArtifacts } from "./artifacts.js";
import { processRecorder } from "./process-groups.js";

/** The machine's and the store's part of every run of a workspace. */
export interface RunHost {
  hostEnv: Record<string, string | undefined>;
  /** The workspace's data folder: run temp folders, process-group records, cache entries. */
  dataDir: string;
  actionsCache?: string;
  toolCache: string;
  cacheDir: string;
  cacheLimits: CacheLimits;
  docker: DockerEngine;
  artifacts: StoreArtifacts;
  /** The cap on job legs running at once, shared by every run of this process. */
  legSlots: LegSlots;
  /** Every job's steps get a HOME of the job's own (`STAX_PRIVATE_HOME`). */
  privateHome: boolean;
  /** stax's own folders (see staxFolders): never part of a sandbox or a leg's checkout. */
  ownFolders: string[];
}

/** The folders stax keeps its data in (home, action cache, sandboxes): a workspace may hold them (STAX_HOME=./.stax). */
export function staxFolders(config: Readonly<Config>): string[] {
  return [config.home, config.actionsCache, config.sandboxDir];
}

export function runHost(config: Readonly<Config>, store: Store, hostEnv: Record<string, string | undefined>): RunHost {
  return {
    hostEnv,
    dataDir: config.dataDir,
    actionsCache: config.actionsCache,
    toolCache: join(config.home, "tools"),
    cacheDir: join(config.dataDir, "cache"),
    cacheLimits: config.cacheLimits,
    docker: new DockerEngine(dockerAddress(config.dockerHost)),
    artifacts: new StoreArtifacts(store),
    legSlots: new LegSlots(config.maxJobs),
    privateHome: config.privateHome,
    ownFolders: staxFolders(config),
  };
}

/** A run's options that come from its host; `overrides`: its `--action` folders. */
export function hostOptions(host: RunHost, runId: string, overrides: Record<string, string> = {}): Pick<RunOptions, "hostEnv" | "actions" | "artifacts" | "cacheDir" | "cacheLimits" | "docker" | "toolCache" | "legSlots" | "processes" | "privateHome"> {
  return {
    hostEnv: host.hostEnv,
    actions: { cache: host.actionsCache, overrides, fetch: host.actionsCache ? gitFetcher(host.actionsCache, { token: host.hostEnv.GITHUB_TOKEN }) : undefined },
    artifacts: host.artifacts,
    cacheDir: host.cacheDir,
    cacheLimits: host.cacheLimits,
    docker: host.docker,
    toolCache: host.toolCache,
    legSlots: host.legSlots,
    processes: processRecorder(host.dataDir, runId),
    privateHome: host.privateHome,
  };
}
