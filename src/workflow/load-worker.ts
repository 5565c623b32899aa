/**
 * The body of the thread `listWorkflowsOffThread` starts: loads the workflow files it is given
 * and posts back what can cross threads (names, paths, infos with their errors).
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadWorkflow } from "./load.js";
import type { WorkflowSummary } from "./load-thread.js";

const { workspace, files } = workerData as { workspace: string; files: string[] };
const out: WorkflowSummary[] = [];
for (const f of files) {
  const w = await loadWorkflow(f, workspace);
  out.push({ filePath: w.filePath, relPath: w.relPath, name: w.name, info: w.info, source: w.source });
}
parentPort!.postMessage(out);
