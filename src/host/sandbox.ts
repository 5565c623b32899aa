import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { promisify } from "node:util";
import { basename, join } from "node:path";
import { errorMessage, type SandboxStrategy } from "../contract/index.js";
import {
  copyWorkspace,
  describeCopySkips,
  isCommitSha,
  KEPT_MARK,
  outsideGit,
  privateDir,
  privateGit,
  readCommitAsync,
  readGitInfoAsync,
  type GitInfo,
} from "../engine/index.js";

export interface Sandbox {
  /** Where the run's steps run (GITHUB_WORKSPACE). */
  dir: string;
  /** Lines for the run's log (what the sandbox leaves out). */
  notices: string[];
  /**
   * The run's git facts when `dir` is not the workspace: the workspace's (its repository, branch and
   * HEAD, as `stax run` sees them), with the commit of `ref` when one was asked for. A copy or a
   * detached worktree named after the run would give `local/<run id>` and no branch.
   */
  git?: GitInfo;
  /** A worktree's commit: `dir` is a fresh checkout of it that nothing changes, so legs check it out as is. */
  commit?: string;
  dispose(): Promise<void>;
}

const execFileAsync = promisify(execFile);

/** git, without blocking the event loop: a worktree of a big repository takes seconds, and every request and SSE stream would wait. */
async function git(cwd: string, args: string[]): Promise<string> {
  return (await execFileAsync("git", args, { cwd, encoding: "utf8", timeout: 30_000 })).stdout.trim();
}

/** `git worktree add` under umask 077: the sandbox's files are its owner's alone. */
async function addPrivateWorktree(workspace: string, dir: string, commit: string): Promise<void> {
  const [cmd, args] = privateGit(["worktree", "add", "--detach", "--force", dir, commit]);
  await execFileAsync(cmd, args, { cwd: workspace, encoding: "utf8", timeout: 30_000 });
}

/**
 * The commit `ref` names in the workspace's repository and the workspace's folder in it (`app/`,
 * or "" at the top), in one git process; undefined outside a work tree, before the first commit
 * or for a ref that names no commit. `strict` (the `worktree` strategy): git's error instead.
 */
export async function commitOf(
  workspace: string,
  ref: string,
  strict: boolean,
): Promise<{ commit: string; prefix: string } | undefined> {
  // A ref is never an option to git, whatever it is named.
  if (ref.startsWith("-")) {
    if (strict) throw new Error(`'${ref}' is not a commit of a git work tree here`);
    return undefined;
  }
  // No `.git` from here up: git need not be asked (a process on the run's way to its first step).
  if (!strict && outsideGit(workspace)) return undefined;
  try {
    const [inside, prefix, commit] = (
      await git(workspace, ["rev-parse", "--is-inside-work-tree", "--show-prefix", "--verify", "-q", `${ref}^{commit}`])
    ).split("\n");
    if (inside === "true" && commit) return { commit, prefix };
  } catch (err) {
    if (strict) throw new Error(`'${ref}' is not a commit of a git work tree here (${errorMessage(err)})`);
    return undefined;
  }
  if (strict) throw new Error(`'${ref}' is not a commit of a git work tree here`);
  return undefined;
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
  // Read while the sandbox is made: cached for an unchanged workspace, so no git process then.
  const facts = readGitInfoAsync(workspace, basename(workspace));
  const at = strategy === "copy" ? undefined : await commitOf(workspace, ref || "HEAD", strategy === "worktree");
  if (at) {
    const { commit, prefix } = at;
    const [, status] = await Promise.all([
      addPrivateWorktree(workspace, dir, commit),
      // Changes of the workspace alone: a sub-folder's run is not told about the rest of its repository.
      git(workspace, ["status", "--porcelain", "--", "."]),
    ]);
    const notices = [`stax: running in a git worktree of ${ref || "HEAD"} (${commit.slice(0, 7)})`];
    if (status !== "")
      notices.push(
        "stax: uncommitted changes of the workspace are not included; run with --no-sandbox (or sandbox strategy 'none') to use them",
      );
    return {
      // A workspace in a sub-folder of its repository runs in that sub-folder of the worktree.
      dir: join(dir, prefix),
      notices,
      git: ref ? await refFacts(workspace, ref, commit, await facts) : await facts,
      // Legs check the commit out as is only when it is the workspace (a sub-folder's legs get a commit of their own).
      ...(prefix === "" && { commit }),
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
    git: await facts,
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * The sandbox of a re-run: a worktree of the commit the original run ran, named by that run's ref
 * (GitHub re-runs the original event's GITHUB_SHA and GITHUB_REF, whatever its branch points at
 * now). Undefined when the commit is not in the workspace's repository (outside git, or removed
 * since); the caller then makes the sandbox as for a new run.
 */
export async function pinnedSandbox(
  workspace: string,
  root: string,
  runId: string,
  original: { number: number; trigger: { sha: string; ref: string } },
  own: readonly string[] = [],
): Promise<Sandbox | undefined> {
  const { sha, ref } = original.trigger;
  if (!isCommitSha(sha)) return undefined;
  let sandbox: Sandbox;
  try {
    sandbox = await createSandbox(workspace, root, runId, "worktree", sha, own);
  } catch {
    return undefined;
  }
  return {
    ...sandbox,
    git: sandbox.git && { ...sandbox.git, ...refNames(ref) },
    // The workspace's uncommitted changes are no part of a re-run of a commit.
    notices: [`stax: running in a git worktree of ${sha.slice(0, 7)}, the commit run ${original.number} ran (${ref})`],
  };
}

/**
 * The workspace's facts for a worktree of `ref` (at `commit`): that commit's, and the branch or tag
 * `ref` names (HEAD: the workspace's branch; a commit: neither), as a run of that ref on GitHub names it.
 */
async function refFacts(workspace: string, ref: string, commit: string, base: GitInfo): Promise<GitInfo> {
  const [facts, full] = await Promise.all([
    readCommitAsync(workspace, commit),
    // A commit's sha names no branch or tag: git need not be asked.
    isCommitSha(ref) ? "" : git(workspace, ["rev-parse", "--symbolic-full-name", ref]).catch(() => ""),
  ]);
  return { ...base, ...facts, ...refNames(full) };
}

/** The branch or tag a full ref name (`refs/heads/x`, `refs/tags/v1`) names; neither for any other. */
function refNames(full: string): Pick<GitInfo, "branch" | "tag"> {
  const named = (prefix: string) => (full.startsWith(prefix) ? full.slice(prefix.length) : undefined);
  return { branch: named("refs/heads/"), tag: named("refs/tags/") };
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
