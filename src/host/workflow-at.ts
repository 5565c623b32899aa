import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { StaxError } from "../contract/index.js";
import { loadWorkflowText, MAX_WORKFLOW_BYTES, type LoadedWorkflow } from "../workflow/index.js";
import { commitOf } from "./sandbox.js";

const execFileAsync = promisify(execFile);

/**
 * A workspace's workflow file as a commit has it (`ref`: a branch, tag or sha of the workspace's
 * repository), loaded as the runner loads the file: what a run of that ref runs, so the dashboard's
 * "Use workflow from" shows that commit's inputs. `relPath` is relative to the workspace, which
 * may be a sub-folder of its repository. Errors: `BAD_REQUEST` for a ref that names no commit
 * here, `WORKFLOW_NOT_FOUND` for a commit without the file.
 */
export async function workflowAt(workspace: string, relPath: string, ref: string): Promise<LoadedWorkflow> {
  const git = async (args: string[], encoding: "utf8" | "buffer" = "utf8") =>
    (await execFileAsync("git", args, { cwd: workspace, encoding, timeout: 10_000, maxBuffer: MAX_WORKFLOW_BYTES * 2 }))
      .stdout;
  const at = await commitOf(workspace, ref, false);
  if (!at) throw new StaxError("BAD_REQUEST", `'${ref}' is not a commit of the workspace's git repository`);
  const blob = `${at.commit}:${at.prefix}${relPath}`;
  const size = Number(await git(["cat-file", "-s", blob]).catch(() => NaN));
  if (!Number.isFinite(size)) throw new StaxError("WORKFLOW_NOT_FOUND", `${relPath} is not in ${ref}`);
  // An oversized file is not read: its size is the whole error.
  const content = size > MAX_WORKFLOW_BYTES ? Buffer.alloc(0) : await git(["cat-file", "blob", blob], "buffer");
  return loadWorkflowText(relPath, workspace, content as Buffer, size);
}
