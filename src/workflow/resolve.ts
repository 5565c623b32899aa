import { stat } from "node:fs/promises";
import { basename, isAbsolute, resolve } from "node:path";
import { loadWorkflow, workflowFiles, type LoadedWorkflow } from "./load.js";

// Apart from load.ts because the lookup by `name:` runs in the loader thread, whose module
// (load-thread.ts) imports load.ts: kept inside load.ts, the two made an import cycle.

/**
 * Finds a workflow by path (absolute or relative to the workspace or cwd), file name with or
 * without extension in `.github/workflows`, or `name:` (case-insensitive). Undefined when none.
 */
export async function resolveWorkflow(
  workspace: string,
  ref: string,
  cwd = workspace,
): Promise<LoadedWorkflow | undefined> {
  const candidates = isAbsolute(ref) ? [ref] : [resolve(cwd, ref), resolve(workspace, ref)];
  for (const c of candidates) {
    if (/\.ya?ml$/.test(c) && (await stat(c).catch(() => undefined))?.isFile()) return loadWorkflow(c, workspace);
  }
  const files = await workflowFiles(workspace);
  const byFile = files.find((f) => basename(f) === ref || basename(f).replace(/\.ya?ml$/, "") === ref);
  if (byFile) return loadWorkflow(byFile, workspace);
  // By `name:`: every file is parsed to find it, in a worker thread; then only that one here.
  const { listWorkflowsOffThread } = await import("./load-thread.js");
  const byName = (await listWorkflowsOffThread(workspace)).find((w) => w.name.toLowerCase() === ref.toLowerCase());
  return byName ? loadWorkflow(byName.filePath, workspace) : undefined;
}
