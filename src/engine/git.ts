import { execFileSync } from "node:child_process";

/** What stax reads from the workspace's git repository; every field falls back when git can't say. */
export interface GitInfo {
  sha: string;
  /** Branch name, or undefined on a detached HEAD or outside a repository. */
  branch?: string;
  /** `owner/repo` from the `origin` remote, else `local/<folder>`. */
  repository: string;
  owner: string;
  actor: string;
  commitMessage: string;
  commitTime: string;
  authorName: string;
  authorEmail: string;
}

function git(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 5000 }).trim();
  } catch {
    return undefined;
  }
}

/** `https://github.com/o/r.git`, `git@github.com:o/r.git`, `ssh://…/o/r` → `o/r`. */
export function repositoryFromRemote(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const m = /[/:]([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

export function readGitInfo(workspace: string, folderName: string): GitInfo {
  const log = git(workspace, ["log", "-1", "--format=%H%x00%s%x00%cI%x00%an%x00%ae"])?.split("\0");
  const repository = repositoryFromRemote(git(workspace, ["remote", "get-url", "origin"])) ?? `local/${folderName}`;
  const userName = git(workspace, ["config", "user.name"]);
  return {
    sha: log?.[0] ?? "0000000000000000000000000000000000000000",
    branch: git(workspace, ["symbolic-ref", "--short", "-q", "HEAD"]) || undefined,
    repository,
    owner: repository.split("/")[0],
    actor: userName?.replace(/\s+/g, "-") || "stax",
    commitMessage: log?.[1] ?? "",
    commitTime: log?.[2] ?? new Date(0).toISOString(),
    authorName: log?.[3] ?? userName ?? "stax",
    authorEmail: log?.[4] ?? "stax@localhost",
  };
}
