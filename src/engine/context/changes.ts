import { execFileSync } from "node:child_process";
import { headOnBranch } from "./git.js";

function git(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync("git", args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
      maxBuffer: 64 * 1024 * 1024,
    }).trim();
  } catch {
    return undefined;
  }
}

const lines = (s: string | undefined): string[] => (s ? s.split("\n").filter(Boolean) : []);

/** Files changed in the working tree and index against HEAD, plus untracked files git does not ignore. */
function uncommitted(workspace: string): string[] {
  return [
    ...lines(git(workspace, ["diff", "--name-only", "HEAD"])),
    ...lines(git(workspace, ["ls-files", "--others", "--exclude-standard"])),
  ];
}

/** Where a push's diff starts, and how that was chosen (for the user). */
export interface ChangedFiles {
  files: string[];
  /** e.g. `origin/main..HEAD`, `HEAD~1..HEAD`. */
  range: string;
}

/**
 * The files a push of the current branch would change (TRIG-06, two-dot before..after): from the
 * branch's upstream (its merge base with HEAD, so commits others pushed are not counted) or,
 * without one, the previous commit, to HEAD, plus uncommitted changes (stax runs the workspace
 * as it is). Undefined outside a git repository.
 */
export function pushChanges(workspace: string): ChangedFiles | undefined {
  if (git(workspace, ["rev-parse", "--verify", "-q", "HEAD"]) === undefined) return undefined;
  const upstream = git(workspace, ["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"]);
  let committed: string[];
  let range: string;
  if (upstream) {
    committed = lines(git(workspace, ["diff", "--name-only", `${upstream}...HEAD`]));
    range = `${upstream}..HEAD`;
  } else if (git(workspace, ["rev-parse", "--verify", "-q", "HEAD~1"])) {
    committed = lines(git(workspace, ["diff", "--name-only", "HEAD~1", "HEAD"]));
    range = "HEAD~1..HEAD";
  } else {
    // The first commit: everything in it is new.
    committed = lines(git(workspace, ["ls-tree", "-r", "--name-only", "HEAD"]));
    range = "the first commit";
  }
  return { files: unique([...committed, ...uncommitted(workspace)]), range: `${range} plus uncommitted changes` };
}

/**
 * The files a pull request from HEAD into `base` changes (TRIG-06, three-dot: from their merge
 * base). Undefined when `base` is not a branch or commit of the repository.
 */
export function pullRequestChanges(workspace: string, base: string): ChangedFiles | undefined {
  if (git(workspace, ["rev-parse", "--verify", "-q", `${base}^{commit}`]) === undefined) return undefined;
  const files = lines(git(workspace, ["diff", "--name-only", `${base}...HEAD`]));
  return { files: unique(files), range: `${base}...HEAD` };
}

/**
 * The repository's default branch: `origin/HEAD` when a remote names it, else `main` or `master`
 * when one exists, else `init.defaultBranch`, else `main`.
 */
export function defaultBranch(workspace: string): string {
  const remote = git(workspace, ["symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD"]);
  if (remote) return remote.replace(/^origin\//, "");
  for (const b of ["main", "master"]) if (git(workspace, ["rev-parse", "--verify", "-q", `refs/heads/${b}`])) return b;
  return git(workspace, ["config", "init.defaultBranch"]) || "main";
}

/** The merge base of `base` and HEAD, if any (the pull request's base commit). */
export function mergeBase(workspace: string, base: string): string | undefined {
  return git(workspace, ["merge-base", base, "HEAD"]) || undefined;
}

/** A tag pointing at HEAD when HEAD is detached (a checked-out tag: a tag push), else undefined. */
export function detachedTag(workspace: string): string | undefined {
  // From HEAD's file when it can be read (no git process on `stax run`'s way), else from git.
  const onBranch = headOnBranch(workspace) ?? git(workspace, ["symbolic-ref", "-q", "HEAD"]) !== undefined;
  if (onBranch) return undefined;
  return lines(git(workspace, ["tag", "--points-at", "HEAD", "--sort=-creatordate"]))[0];
}

function unique(files: string[]): string[] {
  return [...new Set(files)].sort();
}
