import { execFile, execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { promisify } from "node:util";
import { join } from "node:path";
import type { SandboxStrategy } from "../contract/index.js";
import { copyWorkspace, describeCopySkips } from "../engine/index.js";

export interface Sandbox {
  /** Where the run's steps run (GITHUB_WORKSPACE). */
  dir: string;
  /** Lines for the run's log (what the sandbox leaves out). */
  notices: string[];
  dispose(): Promise<void>;
}

const execFileAsync = promisify(execFile);

/** git, without blocking the event loop: a worktree of a big repository takes seconds, and every request and SSE stream would wait. */
async function git(cwd: string, args: string[]): Promise<string> {
  return (await execFileAsync("git", args, { cwd, encoding: "utf8", timeout: 30_000 })).stdout.trim();
}

async function isGitRepo(dir: string): Promise<boolean> {
  try {
    return (await git(dir, ["rev-parse", "--is-inside-work-tree"])) === "true" && (await git(dir, ["rev-parse", "--verify", "-q", "HEAD"])) !== "";
  } catch {
    return false;
  }
}

/**
 * Prepares where a run executes: the workspace itself (`none`), a git worktree of HEAD or of
 * `ref` (`worktree`), or a copy without heavy folders (`copy`); `auto` picks a worktree in a git
 * repository with a commit, else a copy.
 */
export async function createSandbox(workspace: string, root: string, runId: string, strategy: SandboxStrategy, ref?: string): Promise<Sandbox> {
  if (strategy === "none") return { dir: workspace, notices: [], async dispose() {} };
  const dir = join(root, runId);
  await mkdir(root, { recursive: true });
  const useWorktree = strategy === "worktree" || (strategy === "auto" && (await isGitRepo(workspace)));
  if (useWorktree) {
    await git(workspace, ["worktree", "add", "--detach", "--force", dir, ref || "HEAD"]);
    const dirty = (await git(workspace, ["status", "--porcelain"])) !== "";
    const notices = [`stax: running in a git worktree of ${ref || "HEAD"} (${await git(dir, ["rev-parse", "--short", "HEAD"])})`];
    if (dirty) notices.push("stax: uncommitted changes of the workspace are not included; run with --no-sandbox (or sandbox strategy 'none') to use them");
    return {
      dir,
      notices,
      async dispose() {
        try {
          await git(workspace, ["worktree", "remove", "--force", dir]);
        } catch {
          await rm(dir, { recursive: true, force: true });
          await git(workspace, ["worktree", "prune"]).catch(() => undefined);
        }
      },
    };
  }
  // The same copy a job leg gets in a workspace that is not a git repository (src/engine/workspace-copy.ts), without blocking.
  await copyWorkspace(workspace, dir);
  return { dir, notices: [`stax: running in a copy of the workspace without ${describeCopySkips()} (and what .gitignore names)`], dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** Removes sandboxes left by a runner that stopped without cleaning up. */
export function removeStaleSandboxes(workspace: string, root: string): void {
  if (!existsSync(root)) return;
  for (const name of readdirSync(root)) rmSync(join(root, name), { recursive: true, force: true });
  try {
    // At start-up, before serving: nothing waits on it.
    execFileSync("git", ["worktree", "prune"], { cwd: workspace, stdio: "ignore", timeout: 30_000 });
  } catch {
    // not a git repository
  }
}
