/** The engine: runs a loaded workflow with GitHub's semantics and reports every state change. */
export { startRun } from "./run.js";
export type { RunOptions, RunHandle, ArtifactStore } from "./api.js";
export { selectJobs } from "./select.js";
