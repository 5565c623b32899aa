import { execFile, execFileSync } from "node:child_process";
import { readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { Lru } from "../io/lru.js";

/** What stax reads from the workspace's git repository; every field falls back when git can't say. */
export interface GitInfo {
  sha: string;
  /** Branch name, or undefined on a detached HEAD or outside a repository. */
  branch?: string;
  /**
   * The repository's default branch (`repository.default_branch` of the event): origin's HEAD,
   * else `main` or `master` where the branch exists; undefined when none tells.
   */
  defaultBranch?: string;
  /** The tag a run is for instead of a branch (a runner's sandbox of a tag): its `github.ref` is `refs/tags/<tag>`. */
  tag?: string;
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
    return execFileSync("git", args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 5000,
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * `owner/name` from a remote URL, on GitHub or not: the last two path parts
 * (`https://github.com/o/r.git`, `git@gitlab.com:group/sub/r.git` → `sub/r`, `ssh://…/o/r`).
 */
export function repositoryFromRemote(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const m = /[/:]([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/** Git facts per workspace folder (the runner's sandboxes are new folders every run), the most recent kept. */
interface CachedFacts {
  key: string;
  info: GitInfo;
}
export const gitFacts = new Lru<string, CachedFacts>(32);
const cache = gitFacts;

const read = (f: string): string | undefined => {
  try {
    return readFileSync(f, "utf8");
  } catch {
    return undefined;
  }
};
const mtime = (f: string): number => {
  try {
    return statSync(f).mtimeMs;
  } catch {
    return 0;
  }
};

/**
 * The folder holding the workspace's `.git` and the text of its HEAD, read from files; "none"
 * when no folder up holds a `.git`, undefined when that can't be told cheaply (a linked worktree
 * or submodule, whose `.git` is a file).
 */
function findHead(workspace: string): { dir: string; head: string } | "none" | undefined {
  let dir = workspace;
  let head: string | undefined;
  for (; !(head = read(join(dir, ".git", "HEAD"))?.trim()); dir = dirname(dir)) {
    if (dirname(dir) === dir) return "none";
    try {
      if (statSync(join(dir, ".git")).isFile()) return undefined;
    } catch {
      // no .git here: look further up
    }
  }
  return { dir, head };
}

/** Whether HEAD names a branch (true) or a commit (false), read from the files; undefined when only git can tell. */
export function headOnBranch(workspace: string): boolean | undefined {
  const found = findHead(workspace);
  return typeof found === "object" ? found.head.startsWith("ref: ") : undefined;
}

/** Whether the workspace is the top folder of a repository of its own (a `.git` folder in it), told from the files. */
export function repositoryTop(workspace: string): boolean {
  const found = findHead(workspace);
  return typeof found === "object" && found.dir === workspace;
}

/**
 * What the git answers depend on, read from files without running git: HEAD, the commit it points
 * to, the repository's and the user's config. Undefined when that can't be told cheaply (a linked
 * worktree or submodule, whose `.git` is a file), so git is asked every time.
 */
function stateKey(workspace: string): string | undefined {
  const found = findHead(workspace);
  if (found === "none") return "no repository";
  if (!found) return undefined;
  const { dir, head } = found;
  const gitDir = join(dir, ".git");
  const ref = head.startsWith("ref: ") ? head.slice(5) : undefined;
  const target = ref ? (read(join(gitDir, ref)) ?? `packed ${mtime(join(gitDir, "packed-refs"))}`) : "";
  return [
    dir,
    head,
    target,
    // What names the default branch (QUERIES): origin's HEAD, the main and master branches.
    read(join(gitDir, "refs", "remotes", "origin", "HEAD")) ?? "",
    mtime(join(gitDir, "refs", "heads", "main")),
    mtime(join(gitDir, "refs", "heads", "master")),
    mtime(join(gitDir, "packed-refs")),
    mtime(join(gitDir, "config")),
    mtime(join(homedir(), ".gitconfig")),
    mtime(join(homedir(), ".config", "git", "config")),
    mtime("/etc/gitconfig"),
  ].join("\0");
}

/** The file the facts are kept in between processes, and what else they depend on (set by `keepGitFacts`). */
let kept: { file: string; salt: string } | undefined;

/**
 * Keeps the git facts in `file` between processes: a `stax run` then asks git nothing while HEAD,
 * its commit and the configs are as the last run saw them (four git processes less per run).
 * `salt` is what else the answers depend on (the environment's git variables, the stax version):
 * facts kept under another salt are not used.
 */
export function keepGitFacts(file: string, salt: string): void {
  kept = { file, salt };
  try {
    const saved = JSON.parse(readFileSync(file, "utf8")) as { salt?: string; entries?: [string, CachedFacts][] };
    if (saved.salt !== salt || !Array.isArray(saved.entries)) return;
    for (const [slot, facts] of saved.entries) if (!cache.has(slot)) cache.set(slot, facts);
  } catch {
    // none kept yet, or unreadable: git is asked
  }
}

/** Writes the cache to the kept file, whole and at once (another process may be reading it). */
function saveKept(): void {
  if (!kept) return;
  const tmp = `${kept.file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify({ salt: kept.salt, entries: cache.entries() }), { mode: 0o600 });
    renameSync(tmp, kept.file);
  } catch {
    // a cache: a run that cannot keep it asks git again next time
  }
}

/** Records fresh facts (and keeps them, when a file is set). */
function remember(slot: string, key: string | undefined, info: GitInfo): void {
  if (key === undefined) return;
  cache.set(slot, { key, info });
  saveKept();
}

/** Whether `sha` names a commit: 40 hex digits, not the zeros that stand for none (outside git, a branch's creation). */
export function isCommitSha(sha: unknown): sha is string {
  return typeof sha === "string" && /^[0-9a-f]{40}$/.test(sha) && !/^0+$/.test(sha);
}

/** Whether no folder from the workspace up holds a `.git`: git would answer "not a repository", so it need not be asked. */
export function outsideGit(workspace: string): boolean {
  return stateKey(workspace) === "no repository";
}

/** The workspace's git facts; cached until HEAD, its commit or a config changes (a run starts faster). */
export function readGitInfo(workspace: string, folderName: string): GitInfo {
  const key = stateKey(workspace);
  const slot = `${workspace}\0${folderName}`;
  const hit = cache.get(slot);
  if (key !== undefined && hit?.key === key) return { ...hit.info };
  const info = queryGit(workspace, folderName);
  remember(slot, key, info);
  return { ...info };
}

/** The same facts without blocking the event loop (the runner: a sandbox's worktree is never cached). */
export async function readGitInfoAsync(workspace: string, folderName: string): Promise<GitInfo> {
  const key = stateKey(workspace);
  const slot = `${workspace}\0${folderName}`;
  const hit = cache.get(slot);
  if (key !== undefined && hit?.key === key) return { ...hit.info };
  const ask = (args: string[]) =>
    new Promise<string | undefined>((resolve) =>
      execFile("git", args, { cwd: workspace, encoding: "utf8", timeout: 5000 }, (err, out) =>
        resolve(err ? undefined : out.trim()),
      ),
    );
  const [log, remote, user, branch, defaults] = await Promise.all(QUERIES.map(ask));
  const info = fromAnswers(log, remote, user, branch, defaults, folderName);
  remember(slot, key, info);
  return { ...info };
}

/** One commit's sha, subject, committer time and author, NUL-separated (read by `commitFromLog`). */
const LOG = ["log", "-1", "--format=%H%x00%s%x00%cI%x00%an%x00%ae"];

const QUERIES = [
  LOG,
  ["config", "--get-regexp", "^remote\\..*\\.url$"],
  ["config", "user.name"],
  ["symbolic-ref", "--short", "-q", "HEAD"],
  // What names the default branch: origin's HEAD (a symbolic ref: its target), main, master.
  ["for-each-ref", "--format=%(refname) %(symref)", "refs/remotes/origin/HEAD", "refs/heads/main", "refs/heads/master"],
];

/** The default branch from the for-each-ref answer above. */
function defaultBranchOf(answer: string | undefined): string | undefined {
  const refs = new Map(
    (answer ?? "").split("\n").map((l): [string, string] => [l.split(" ")[0], l.split(" ")[1] ?? ""]),
  );
  const origin = refs.get("refs/remotes/origin/HEAD");
  if (origin?.startsWith("refs/remotes/origin/")) return origin.slice("refs/remotes/origin/".length);
  return ["main", "master"].find((name) => refs.has(`refs/heads/${name}`));
}

function queryGit(workspace: string, folderName: string): GitInfo {
  const [log, remote, user, branch, defaults] = QUERIES.map((q) => git(workspace, q));
  return fromAnswers(log, remote, user, branch, defaults, folderName);
}

/** `origin`'s URL, else the first remote's (a fork's clone may only have `upstream`), from `git config --get-regexp`. */
function remoteUrl(list: string | undefined): string | undefined {
  const remotes = (list ?? "")
    .split("\n")
    .map((l) => /^remote\.(.+)\.url (.+)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => !!m);
  return (remotes.find((m) => m[1] === "origin") ?? remotes[0])?.[2];
}

function fromAnswers(
  logLine: string | undefined,
  remotes: string | undefined,
  userName: string | undefined,
  branch: string | undefined,
  defaults: string | undefined,
  folderName: string,
): GitInfo {
  const repository =
    repositoryFromRemote(remoteUrl(remotes)) ?? `local/${folderName.replace(/[^A-Za-z0-9._-]+/g, "-")}`;
  return {
    ...commitFromLog(logLine, userName),
    branch: branch || undefined,
    defaultBranch: defaultBranchOf(defaults),
    repository,
    owner: repository.split("/")[0],
    actor: userName?.replace(/\s+/g, "-") || "stax",
  };
}

/** The commit part of the facts, from the LOG answer (none: a repository without commits, or none at all). */
function commitFromLog(
  logLine: string | undefined,
  userName?: string,
): Pick<GitInfo, "sha" | "commitMessage" | "commitTime" | "authorName" | "authorEmail"> {
  const log = logLine?.split("\0");
  return {
    sha: log?.[0] ?? "0000000000000000000000000000000000000000",
    commitMessage: log?.[1] ?? "",
    commitTime: log?.[2] ?? new Date(0).toISOString(),
    authorName: log?.[3] ?? userName ?? "stax",
    authorEmail: log?.[4] ?? "stax@localhost",
  };
}

/** The facts of one commit of the repository at `cwd` (a sandbox's worktree of another ref), in one git process. */
export function readCommitAsync(cwd: string, commit: string): Promise<ReturnType<typeof commitFromLog>> {
  return new Promise((resolve) =>
    execFile("git", [...LOG, commit], { cwd, encoding: "utf8", timeout: 5000 }, (err, out) =>
      resolve(commitFromLog(err ? undefined : out.trim())),
    ),
  );
}
