import { execFile, execFileSync } from "node:child_process";
import { copyFile, mkdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { copyWorkspace, describeCopySkips, ownFoldersInside, privateDir, privateGit } from "./workspace-copy.js";
import { outsideGit, repositoryTop } from "../context/git.js";

const run = promisify(execFile);

/** How the jobs of a run get their folder (RunOptions.checkouts). */
export interface CheckoutOptions {
  /** `bind`: every job works in the workspace itself; `isolated`: each job leg gets its own checkout. */
  mode: "bind" | "isolated";
  /** Where isolated checkouts are made (one folder per run, one per leg in it). */
  root: string;
  /** Keep each leg's checkout after the job (debugging); its path is logged. */
  keep?: boolean;
  /** stax's own folders (its home, the action cache, sandboxes): never part of a leg's checkout when they lie in the workspace; `root` never is. */
  own?: string[];
  /**
   * The workspace is a fresh worktree of this commit that nothing writes to (a runner's sandbox):
   * legs check the commit out as it is, with no snapshot of the workspace made first.
   */
  commit?: string;
}

/** A file in a run's checkouts folder whose legs are kept (--keep-workspaces): a runner's start-up cleaning leaves it. */
export const KEPT_MARK = ".stax-kept";

/** One leg's folder, and how to give it back. */
export interface LegCheckout {
  dir: string;
  /** Starts removing the folder (unless kept; the run's `close` waits for it); returns a line for the log, if any. */
  dispose(failed: boolean): string | undefined;
}

/** A repository snapshot every leg of a run checks out: a commit of the workspace as it is now. */
interface Snapshot {
  /** The repository's top folder (where `git worktree` runs). */
  top: string;
  commit: string;
  /** Whether the commit is HEAD itself (the workspace had no changes). */
  head: boolean;
}

/** The isolation of one run: the snapshot is built once, on first use, for all its legs. */
export class Checkouts {
  private snapshot?: Promise<Snapshot | undefined>;
  private readonly runDir: string;
  /** Legs' folders being removed (`release`). */
  private readonly removals = new Set<Promise<void>>();

  constructor(
    private readonly workspace: string,
    private readonly opts: CheckoutOptions,
    runId: string,
    /** The environment git runs with: the host's, passed in like all configuration. */
    private readonly env: Record<string, string>,
  ) {
    this.runDir = join(opts.root, runId);
  }

  /** The folder one leg works in: a git worktree of the snapshot, or a copy when the workspace is not a git repository. */
  async acquire(legId: string): Promise<LegCheckout> {
    const dir = join(this.runDir, legId.replace(/[^A-Za-z0-9._-]+/g, "_"));
    await rm(dir, { recursive: true, force: true });
    // Private to the runner's user: a checkout holds the workspace's files and what steps write.
    await privateDir(this.opts.root);
    await privateDir(this.runDir);
    if (this.opts.keep) await writeFile(join(this.runDir, KEPT_MARK), "", { mode: 0o600 });
    const own = [this.opts.root, ...(this.opts.own ?? [])];
    const { commit } = this.opts;
    const snap = await (this.snapshot ??= commit
      ? Promise.resolve({ top: this.workspace, commit, head: true })
      : snapshotOf(this.workspace, this.runDir, this.env, own));
    if (snap) {
      await addWorktree(snap.top, dir, snap.commit, this.env);
      return {
        dir,
        dispose: (failed) => this.release(dir, failed, () => dropWorktree(snap.top, dir, this.env)),
      };
    }
    await copyWorkspace(this.workspace, dir, own);
    return { dir, dispose: (failed) => this.release(dir, failed, () => rm(dir, { recursive: true, force: true })) };
  }

  /** At the end of the run: once the legs' folders are removed, removes the run's folder when no kept checkout is left in it. */
  async close(): Promise<void> {
    await Promise.all(this.removals);
    // Harmless: rmdir fails exactly when a kept checkout (or another leg's) is still in the folder.
    if (!this.opts.keep) await rmdir(this.runDir).catch(() => {});
  }

  /**
   * The job is over: its folder goes while the run goes on, as a worker's does, so the jobs that
   * need it do not wait for thousands of files (a `node_modules`) to be deleted. One that cannot
   * be removed is left to the next start's clean-up (removeStaleSandboxes), as after a crash.
   */
  private release(dir: string, failed: boolean, remove: () => Promise<unknown>): string | undefined {
    if (this.opts.keep) return `stax: kept this job's workspace at ${dir}`;
    const removal: Promise<void> = remove()
      .then(
        () => {},
        () => {},
      )
      .finally(() => this.removals.delete(removal));
    this.removals.add(removal);
    return failed ? `stax: this job ran in ${dir} (removed; --keep-workspaces keeps it)` : undefined;
  }
}

/**
 * A workspace inside a repository that ignores it (a home folder kept in git with `*` in its
 * .gitignore, a scratch folder under `tmp/`): a snapshot would hold nothing, so it is copied.
 */
async function ignoredByRepo(workspace: string, env: Record<string, string>): Promise<boolean> {
  return git(workspace, ["check-ignore", "-q", "."], env).then(
    () => true,
    () => false,
  );
}

/** How isolated legs of `workspace` will be made: a worktree in a git repository (that does not ignore it), else a copy. */
export function isolationKind(workspace: string): "worktree" | "copy" {
  // A repository's top folder is never ignored by it: told from its `.git`, no git process.
  if (repositoryTop(workspace)) return "worktree";
  const ok = (args: string[]): boolean => {
    try {
      execFileSync("git", args, { cwd: workspace, stdio: "ignore", timeout: 10_000 });
      return true;
    } catch {
      return false;
    }
  };
  return ok(["rev-parse", "--show-toplevel"]) && !ok(["check-ignore", "-q", "."]) ? "worktree" : "copy";
}

/** The one line `stax run` prints about where jobs run. */
export function describeIsolation(workspace: string, opts: CheckoutOptions): string {
  if (opts.mode === "bind") return `stax: every job runs in the workspace itself (--bind): ${workspace}`;
  const kept = opts.keep ? "; kept afterwards (--keep-workspaces)" : "; --bind runs them in the workspace itself";
  return isolationKind(workspace) === "worktree"
    ? `stax: each job runs in its own git worktree of the workspace as it is (tracked changes and untracked files included, ignored ones not)${kept}`
    : `stax: each job runs in its own copy of the workspace (not a git repository; without ${describeCopySkips()})${kept}`;
}

async function git(cwd: string, args: string[], env: Record<string, string>): Promise<string> {
  const { stdout } = await run("git", args, { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  return stdout.trim();
}

/**
 * A commit holding the workspace as it is: HEAD plus tracked changes plus untracked files that
 * are not ignored, built in a temporary index (`add -A`, `write-tree`, `commit-tree`), so the
 * user's index, branches, stash and working tree stay as they are. A workspace in a sub-folder
 * of a repository gets a commit of that sub-folder alone; `own` folders (stax's) are left out.
 * Undefined outside a git repository.
 */
export async function snapshotOf(
  workspace: string,
  tempDir: string,
  hostEnv: Record<string, string>,
  own: readonly string[] = [],
): Promise<Snapshot | undefined> {
  let top: string;
  let prefix: string;
  let index: string;
  let head = "";
  let headTree = "";
  // Outside a repository (told from the files, no git process on a run's way to its first step).
  if (outsideGit(workspace) && !hostEnv.GIT_DIR) return undefined;
  const facts = ["rev-parse", "--show-toplevel", "--show-prefix", "--path-format=absolute", "--git-path", "index"];
  try {
    // One git process for all the answers (a run pays every spawn before its first step); a
    // repository without a commit has no HEAD, so it is asked again without it.
    [top, prefix, index, head, headTree] = (
      await git(workspace, [...facts, "HEAD", "HEAD^{tree}"], hostEnv).catch(() => git(workspace, facts, hostEnv))
    ).split("\n");
  } catch {
    return undefined;
  }
  if (prefix && (await ignoredByRepo(workspace, hostEnv))) return undefined;
  await mkdir(tempDir, { recursive: true });
  const tmp = join(tempDir, `index-${Math.random().toString(36).slice(2)}`);
  // Starting from a copy of the real index lets git reuse its stat data: only changed files are hashed.
  // A repository with no index yet (nothing staged ever) has none to copy: git then builds one from scratch.
  await copyFile(index, tmp).catch(() => {});
  const env = {
    ...hostEnv,
    GIT_INDEX_FILE: tmp,
    GIT_AUTHOR_NAME: "stax",
    GIT_AUTHOR_EMAIL: "stax@localhost",
    GIT_COMMITTER_NAME: "stax",
    GIT_COMMITTER_EMAIL: "stax@localhost",
  };
  try {
    const writeTree = async (): Promise<string> => {
      await git(
        workspace,
        ["add", "-A", "--", ".", ...ownFoldersInside(workspace, own).map((rel) => `:(exclude)${rel}`)],
        env,
      );
      return git(workspace, ["write-tree", ...(prefix ? [`--prefix=${prefix}`] : [])], env);
    };
    // A repository in the middle of a merge or rebase has conflicted entries that `add` of a
    // sub-folder leaves in the copied index, and `write-tree` refuses them: start again from HEAD.
    const tree = await writeTree().catch(async () => {
      await rm(tmp, { force: true });
      if (head) await git(workspace, ["read-tree", "HEAD"], env);
      return writeTree();
    });
    if (head && !prefix && tree === headTree) return { top, commit: head, head: true };
    const parents = head && !prefix ? ["-p", head] : [];
    const commit = await git(
      workspace,
      [
        "commit-tree",
        tree,
        ...parents,
        "-m",
        "stax: the workspace as it is (HEAD plus uncommitted and untracked files)",
      ],
      env,
    );
    return { top, commit, head: false };
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * git's worktree bookkeeping (`.git/worktrees/`) is not safe for changes at once: a `worktree add`
 * reads every entry, and one that another `add` has half made fails it ("failed to read
 * …/commondir"). So the bookkeeping of one repository changes in turns, in this process; the
 * files, the slow part, are checked out in parallel. Another process may still be mid-change:
 * an add that fails is tried again.
 */
async function addWorktree(top: string, dir: string, commit: string, env: Record<string, string>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await inTurn(top, () =>
        privateRun(top, ["worktree", "add", "--detach", "--force", "--no-checkout", "--quiet", dir, commit], env),
      );
      break;
    } catch (err) {
      if (attempt === 3) throw err;
      await inTurn(top, () => removeWorktree(top, dir, env));
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
  // No hooks: a post-checkout hook of the user's (husky & co.) has no business in a job's checkout.
  await privateRun(dir, ["-c", "core.hooksPath=/dev/null", "reset", "--hard", "--quiet"], env);
}

/** git under umask 077: the folders and files it makes are 0700 and 0600 (0700 when executable), as the run's temp files. */
async function privateRun(cwd: string, args: string[], env: Record<string, string>): Promise<void> {
  const [cmd, shArgs] = privateGit(args);
  await run(cmd, shArgs, { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
}

const turns = new Map<string, Promise<unknown>>();

/** Runs `work` after every earlier one for the same repository has settled. */
function inTurn<T>(top: string, work: () => Promise<T>): Promise<T> {
  // The earlier work's failure is its own caller's (it awaits `mine`); here it only means "settled".
  const mine = (turns.get(top) ?? Promise.resolve()).catch(() => {}).then(work);
  turns.set(top, mine);
  // Only forgets the turn once settled; the caller sees the failure through the promise returned.
  void mine.catch(() => {}).finally(() => turns.get(top) === mine && turns.delete(top));
  return mine;
}

/**
 * Removes a worktree stax added: its entry in the repository's `worktrees/` folder, then its
 * files. That is what `git worktree remove --force` does, without a git process per leg; anything
 * unexpected (a `.git` that is not such a link) is left to git.
 */
async function dropWorktree(top: string, dir: string, env: Record<string, string>): Promise<void> {
  const named = /^gitdir: (.+)\n?$/.exec(await readFile(join(dir, ".git"), "utf8").catch(() => ""))?.[1];
  const entry = named && resolve(dir, named); // relative with git's worktree.useRelativePaths
  if (!entry || basename(dirname(entry)) !== "worktrees") return inTurn(top, () => removeWorktree(top, dir, env));
  await inTurn(top, () => rm(entry, { recursive: true, force: true }));
  await rm(dir, { recursive: true, force: true });
}

async function removeWorktree(top: string, dir: string, env: Record<string, string>): Promise<void> {
  try {
    await git(top, ["worktree", "remove", "--force", dir], env);
  } catch {
    await rm(dir, { recursive: true, force: true });
    // Best-effort: the folder is gone already; a stale worktree entry is pruned by git's next prune.
    await git(top, ["worktree", "prune"], env).catch(() => {});
  }
}
