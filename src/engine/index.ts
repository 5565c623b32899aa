/** The engine: runs a loaded workflow with GitHub's semantics and reports every state change. */
export { startRun } from "./run.js";
export type { RunOptions, RunHandle, ArtifactStore, ActionSources, ProcessRecorder } from "./api.js";
export { gitFetcher, type ActionFetcher } from "./action-fetch.js";
export { DockerEngine, dockerAddress } from "./docker/engine.js";
export { addToCache, listCache, removeFromCache, parseRepoRef, entryDir, type CacheEntry } from "./action-cache.js";
export { selectJobs } from "./select.js";
export { LegSlots } from "./slots.js";
export { defaultBranch, detachedTag, mergeBase, pullRequestChanges, pushChanges, type ChangedFiles } from "./changes.js";
export { readGitInfo, readGitInfoAsync } from "./git.js";
export { synthesizePayload } from "./github-context.js";
export { expandMatrix } from "./matrix.js";
export { planJobs, type PlannedJob, type PlanContext } from "./plan.js";
export { runLegSpec, runsOnLabels, type LegEnvironment } from "./remote-leg.js";
export type { LegDispatcher, LegOutcome, LegRequest } from "./api.js";
