import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { SandboxStrategy } from "../contract/index.js";
import { copyWorkspaceSync, describeCopySkips } from "../engine/index.js";

export interface Sandbox {
  /** Where the run's steps run (GITHUB_WORKSPACE). */
  dir: string;
  /** Lines for the run's log (what the sandbox leaves out). */
  notices: string[];
  dispose(): void;
}

function git(cwd: string, args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 }).trim();
}

function isGitRepo(dir: string): boolean {
  try {
    return git(dir, ["rev-parse", "--is-inside-work-tree"]) === "true" && git(dir, ["rev-parse", "--verify", "-q", "HEAD"]) !== "";
  } catch {
    return false;
  }
}

/**
 * Prepares where a run executes: the workspace itself (`none`), a git worktree of HEAD or of
 * `ref` (`worktree`), or a copy without heavy folders (`copy`); `auto` picks a worktree in a git
 * repository with a commit, else a copy.
 */
export function createSandbox(workspace: string, root: string, runId: string, strategy: SandboxStrategy, ref?: string): Sandbox {
  if (strategy === "none") return { dir: workspace, notices: [], dispose() {} };
  const dir = join(root, runId);
  mkdirSync(root, { recursive: true });
  const useWorktree = strategy === "worktree" || (strategy === "auto" && isGitRepo(workspace));
  if (useWorktree) {
    git(workspace, ["worktree", "add", "--detach", "--force", dir, ref || "HEAD"]);
    const dirty = git(workspace, ["status", "--porcelain"]) !== "";
    const notices = [`stax: running in a git worktree of ${ref || "HEAD"} (${git(dir, ["rev-parse", "--short", "HEAD"])})`];
    if (dirty) notices.push("stax: uncommitted changes of the workspace are not included; run with --no-sandbox (or sandbox strategy 'none') to use them");
    return {
      dir,
      notices,
      dispose() {
        try {
          git(workspace, ["worktree", "remove", "--force", dir]);
        } catch {
          rmSync(dir, { recursive: true, force: true });
          try {
            git(workspace, ["worktree", "prune"]);
          } catch {
            // not fatal
          }
        }
      },
    };
  }
  // The same copy a job leg gets in a workspace that is not a git repository (src/engine/workspace-copy.ts).
  copyWorkspaceSync(workspace, dir);
  return { dir, notices: [`stax: running in a copy of the workspace without ${describeCopySkips()} (and what .gitignore names)`], dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Removes sandboxes left by a runner that stopped without cleaning up. */
export function removeStaleSandboxes(workspace: string, root: string): void {
  if (!existsSync(root)) return;
  for (const name of readdirSync(root)) rmSync(join(root, name), { recursive: true, force: true });
  try {
    git(workspace, ["worktree", "prune"]);
  } catch {
    // not a git repository
  }
}
