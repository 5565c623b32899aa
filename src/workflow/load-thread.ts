import { Worker } from "node:worker_threads";
import type { WorkflowInfo } from "../contract/index.js";
import { listWorkflows } from "./load.js";

/** What listing needs of a loaded workflow, plain data that crosses threads. */
export interface WorkflowSummary {
  filePath: string;
  relPath: string;
  name: string;
  info: WorkflowInfo;
  /** The file's text ("" when it was not read), as `LoadedWorkflow.source`. */
  source: string;
}

/** The loader thread: the script beside the bundle (dist/workflow-loader.js), or the TypeScript source. */
function startWorker(workspace: string): Worker {
  const workerData = { workspace };
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./workflow-loader.js", import.meta.url), { workerData });
  // From the sources (tests, development) the thread registers tsx itself: `--import tsx` does not reach workers.
  const source = new URL("./load-worker.ts", import.meta.url).href;
  return new Worker(`import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(source)}); })`, { eval: true, workerData });
}

/**
 * Every workflow of the workspace, loaded in a worker thread: parsing is synchronous and a large
 * file takes seconds, which on the runner's thread would stall every request and SSE stream.
 * Falls back to this thread when no worker can start.
 */
export async function listWorkflowsOffThread(workspace: string): Promise<WorkflowSummary[]> {
  try {
    return await new Promise<WorkflowSummary[]>((resolve, reject) => {
      const worker = startWorker(workspace);
      worker.once("message", (m: WorkflowSummary[]) => {
        resolve(m);
        void worker.terminate();
      });
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`the workflow loader exited with ${code}`)));
    });
  } catch {
    return (await listWorkflows(workspace)).map((w) => ({ filePath: w.filePath, relPath: w.relPath, name: w.name, info: w.info, source: w.source }));
  }
}
