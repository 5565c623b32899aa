/** The engine: runs a loaded workflow with GitHub's semantics and reports every state change. */
export { startRun } from "./run.js";
export type { RunOptions, RunHandle, ArtifactStore, ActionSources } from "./api.js";
export { gitFetcher, type ActionFetcher } from "./action-fetch.js";
export { DockerEngine, dockerAddress } from "./docker/engine.js";
export { addToCache, listCache, removeFromCache, parseRepoRef, entryDir, type CacheEntry } from "./action-cache.js";
export { selectJobs, rerunPlan, defIdOf, type Reuse } from "./select.js";
export { Checkouts, describeIsolation, isolationKind, snapshotOf, type CheckoutOptions } from "./checkouts.js";
export { copyWorkspace, copyWorkspaceSync, describeCopySkips } from "./workspace-copy.js";
export { provideNode, addCommand, type NodeChoice } from "./tools/node-tool.js";
export { cachedNodes, nodePackage } from "./tools/node-registry.js";
export { resolveNodeSpec, ltsMajors } from "./tools/node-spec.js";
export { defaultBranch, detachedTag, mergeBase, pullRequestChanges, pushChanges, type ChangedFiles } from "./changes.js";
export { readGitInfo } from "./git.js";
export { synthesizePayload } from "./github-context.js";
export { expandMatrix } from "./matrix.js";
export { planJobs, type PlannedJob, type PlanContext } from "./plan.js";
export { runLegSpec, runsOnLabels, type LegEnvironment } from "./remote-leg.js";
export type { LegDispatcher, LegOutcome, LegRequest } from "./api.js";
