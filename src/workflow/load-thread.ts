import { stat } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import type { WorkflowInfo } from "../contract/index.js";
import { loadWorkflow, workflowFiles } from "./load.js";

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
function startWorker(workspace: string, files: string[]): Worker {
  // The main thread's stack size (~1 MB), not a worker's 4 MB: with the larger stack the parser
  // walks 3,000 levels of nesting for about a second per file before it gives up, where with this
  // one it fails at once, with the same error `stax validate` and `stax run` give on that file.
  const opts = { workerData: { workspace, files }, resourceLimits: { stackSizeMb: 1 } };
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./workflow-loader.js", import.meta.url), opts);
  // From the sources (tests, development) the thread registers tsx itself: `--import tsx` does not reach workers.
  const source = new URL("./load-worker.ts", import.meta.url).href;
  return new Worker(
    `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(source)}); })`,
    { eval: true, ...opts },
  );
}

const summary = (w: WorkflowSummary): WorkflowSummary => ({
  filePath: w.filePath,
  relPath: w.relPath,
  name: w.name,
  info: w.info,
  source: w.source,
});

/** Loads `files` in a worker thread; in this thread when no worker can start. */
async function loadOffThread(workspace: string, files: string[]): Promise<WorkflowSummary[]> {
  try {
    return await new Promise<WorkflowSummary[]>((resolve, reject) => {
      const worker = startWorker(workspace, files);
      worker.once("message", (m: WorkflowSummary[]) => {
        resolve(m);
        void worker.terminate();
      });
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`the workflow loader exited with ${code}`)));
    });
  } catch {
    const out: WorkflowSummary[] = [];
    for (const f of files) out.push(summary(await loadWorkflow(f, workspace)));
    return out;
  }
}

/**
 * What each workspace's files loaded to, by path, with the file's stamp (size, times, inode) when
 * it was read. Parsing a hostile file takes up to a second: a listing parses only the files that
 * changed since the last one, so 155 bad files cost their parse once, not on every request.
 */
const known = new Map<string, Map<string, { stamp: string; summary: WorkflowSummary }>>();

async function stampOf(file: string): Promise<string | undefined> {
  const s = await stat(file).catch(() => undefined);
  return s && `${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}`;
}

/**
 * Every workflow of the workspace, loaded in a worker thread: parsing is synchronous and a large
 * file takes seconds, which on the runner's thread would stall every request and SSE stream.
 * Files unchanged since the last listing are not parsed again.
 */
export async function listWorkflowsOffThread(workspace: string): Promise<WorkflowSummary[]> {
  const files = await workflowFiles(workspace);
  const stamps = await Promise.all(files.map(stampOf));
  const before = known.get(workspace) ?? new Map<string, { stamp: string; summary: WorkflowSummary }>();
  const stale = files.filter((f, i) => stamps[i] === undefined || before.get(f)?.stamp !== stamps[i]);
  const fresh = new Map((stale.length ? await loadOffThread(workspace, stale) : []).map((w) => [w.filePath, w]));
  // Only the files listed now are kept: a removed file's entry goes with it.
  const now = new Map<string, { stamp: string; summary: WorkflowSummary }>();
  const out = files.map((f, i) => {
    const w = fresh.get(f) ?? before.get(f)!.summary;
    if (stamps[i] !== undefined) now.set(f, { stamp: stamps[i], summary: w });
    return w;
  });
  known.set(workspace, now);
  return out;
}
