/** The engine: runs a loaded workflow with GitHub's semantics and reports every state change. */
export { startRun } from "./run.js";
export { killAllTrackedSync as killLeftoverProcesses, killTracked } from "./io/orphans.js";
export { processStartTime } from "./io/proc.js";
export type {
  RunOptions,
  RunHandle,
  ArtifactStore,
  ActionSources,
  ProcessRecorder,
  SharedCache,
  CacheLimits,
  Reuse,
} from "./options.js";
export { GITHUB_CACHE_LIMITS } from "./options.js";
export { toEvict, type CacheEntryUse } from "./actions/shims/cache-evict.js";
export { gitFetcher, type ActionFetcher } from "./actions/action-fetch.js";
export { DockerEngine, describeAddress, dockerAddress } from "./docker/engine.js";
export { reapDeadOwners } from "./docker/labels.js";
export {
  addToCache,
  listCache,
  removeFromCache,
  parseRepoRef,
  entryDir,
  type CacheEntry,
} from "./actions/action-cache.js";
export { selectJobs, rerunPlan } from "./plan/select.js";
export {
  Checkouts,
  describeIsolation,
  isolationKind,
  KEPT_MARK,
  snapshotOf,
  type CheckoutOptions,
} from "./job/checkouts.js";
export {
  copyWorkspace,
  copyWorkspaceSync,
  describeCopySkips,
  ownFoldersInside,
  privateDir,
  privateGit,
} from "./job/workspace-copy.js";
export { copyTree, listTree, type TreeList } from "./job/tree-copy.js";
export { provideNode, addCommand } from "./tools/node-tool.js";
export { cachedNodes, nodePackage } from "./tools/node-registry.js";
export { resolveNodeSpec, ltsMajors } from "./tools/node-spec.js";
export { LegSlots } from "./plan/slots.js";
export {
  defaultBranch,
  detachedTag,
  mergeBase,
  pullRequestChanges,
  pushChanges,
  type ChangedFiles,
} from "./context/changes.js";
export {
  isCommitSha,
  keepGitFacts,
  outsideGit,
  readCommitAsync,
  readGitInfo,
  readGitInfoAsync,
  type GitInfo,
} from "./context/git.js";
export { synthesizePayload } from "./context/github-context.js";
export { expandMatrix } from "./plan/matrix.js";
export { planJobs, type PlannedJob, type PlanContext } from "./plan/plan.js";
export { runLegSpec, type LegEnvironment } from "./remote-leg.js";
export { DOCKER_LABEL, RAN_ON_DEAD_COORDINATOR, runsOnLabels } from "./plan/dispatch.js";
export type { LegDispatcher, LegOutcome, LegRequest } from "./options.js";
