/**
 * The body of the thread `listWorkflowsOffThread` starts: loads every workflow file of a
 * workspace and posts back what can cross threads (names, paths, infos with their errors).
 */
import { parentPort, workerData } from "node:worker_threads";
import { listWorkflows } from "./load.js";
import type { WorkflowSummary } from "./load-thread.js";

const { workspace } = workerData as { workspace: string };
const list = await listWorkflows(workspace);
parentPort!.postMessage(list.map((w): WorkflowSummary => ({ filePath: w.filePath, relPath: w.relPath, name: w.name, info: w.info, source: w.source })));
