import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { promisify } from "node:util";
import { join } from "node:path";
import type { SandboxStrategy } from "../contract/index.js";
import { copyWorkspace, describeCopySkips, KEPT_MARK, privateDir, privateGit } from "../engine/index.js";

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

/** `git worktree add` under umask 077: the sandbox's files are its owner's alone. */
async function addPrivateWorktree(workspace: string, dir: string, ref: string): Promise<void> {
  const [cmd, args] = privateGit(["worktree", "add", "--detach", "--force", dir, ref]);
  await execFileAsync(cmd, args, { cwd: workspace, encoding: "utf8", timeout: 30_000 });
}

async function isGitRepo(dir: string): Promise<boolean> {
  try {
    return (
      (await git(dir, ["rev-parse", "--is-inside-work-tree"])) === "true" &&
      (await git(dir, ["rev-parse", "--verify", "-q", "HEAD"])) !== ""
    );
  } catch {
    return false;
  }
}

/**
 * Prepares where a run executes: the workspace itself (`none`), a git worktree of HEAD or of
 * `ref` (`worktree`), or a copy without heavy folders (`copy`); `auto` picks a worktree in a git
 * repository with a commit, else a copy.
 */
export async function createSandbox(
  workspace: string,
  root: string,
  runId: string,
  strategy: SandboxStrategy,
  ref?: string,
  own: readonly string[] = [],
): Promise<Sandbox> {
  if (strategy === "none") return { dir: workspace, notices: [], async dispose() {} };
  const dir = join(root, runId);
  // 0700 (made so, or made so again): no other local user reads a run's copy of the workspace.
  await privateDir(root);
  const useWorktree = strategy === "worktree" || (strategy === "auto" && (await isGitRepo(workspace)));
  if (useWorktree) {
    await addPrivateWorktree(workspace, dir, ref || "HEAD");
    const dirty = (await git(workspace, ["status", "--porcelain"])) !== "";
    const notices = [
      `stax: running in a git worktree of ${ref || "HEAD"} (${await git(dir, ["rev-parse", "--short", "HEAD"])})`,
    ];
    if (dirty)
      notices.push(
        "stax: uncommitted changes of the workspace are not included; run with --no-sandbox (or sandbox strategy 'none') to use them",
      );
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
  // The same copy a job leg gets in a workspace that is not a git repository (src/engine/job/workspace-copy.ts), without blocking.
  await copyWorkspace(workspace, dir, own);
  return {
    dir,
    notices: [`stax: running in a copy of the workspace without ${describeCopySkips()} (and what .gitignore names)`],
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Removes what a runner or `stax run` that stopped without cleaning up left: every sandbox, and
 * the per-leg checkouts of runs no live process executes (`stillOwned`, as crash recovery decides)
 * unless they were kept on purpose (--keep-workspaces); then git forgets the worktrees that were
 * in them, so the workspace's `git worktree list` does not fill up with crashed runs.
 */
export async function removeStaleSandboxes(
  workspace: string,
  root: string,
  checkoutsRoot: string,
  stillOwned: (runId: string) => boolean | Promise<boolean>,
): Promise<void> {
  const names = (dir: string) => readdir(dir).catch(() => [] as string[]);
  for (const name of await names(root)) await rm(join(root, name), { recursive: true, force: true });
  for (const runId of await names(checkoutsRoot)) {
    const dir = join(checkoutsRoot, runId);
    if (existsSync(join(dir, KEPT_MARK)) || (await stillOwned(runId))) continue;
    await rm(dir, { recursive: true, force: true });
  }
  await git(workspace, ["worktree", "prune"]).catch(() => undefined); // not a git repository
}
