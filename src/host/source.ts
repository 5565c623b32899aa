import { execFile } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { ownFoldersInside } from "../engine/index.js";
import { sourceKey, type BlobStore } from "../store/index.js";

const run = promisify(execFile);

/** Left out of the snapshot of a folder that is not a git repository: what a checkout would not hold. */
const EXCLUDE = ["node_modules/", "dist/", "build/", "target/", ".next/", ".turbo/", "coverage/"];

/**
 * Snapshots a workspace for workers: one commit (no history, as a depth-1 checkout) of the files
 * as they are now — tracked ones (changed or not) and untracked ones `.gitignore` does not name;
 * outside git, everything but the usual build folders — made in a throw-away repository that
 * borrows the user's objects, so nothing in the user's repository changes. Stored as a git
 * bundle blob of the run; resolves with its key and commit.
 *
 * The commit is a function of the files and of HEAD's date (no run id, no clock): runs of the same
 * files have the same commit, so a worker prepares that source once for all of their legs.
 */
export async function snapshotSource(
  workspace: string,
  blobs: BlobStore,
  runId: string,
  own: readonly string[],
  /** The environment git runs with where it reads the commit's date: the host's, passed in like all configuration. */
  hostEnv: Record<string, string | undefined>,
): Promise<{ key: string; commit: string }> {
  const tmp = await mkdtemp(join(tmpdir(), "stax-source-"));
  try {
    // `dated`: the commit's author and committer date (git reads it only from its environment).
    const git = (args: string[], dated?: string) =>
      run(
        "git",
        [
          "--git-dir",
          join(tmp, "git"),
          "--work-tree",
          workspace,
          "-c",
          "core.autocrlf=false",
          "-c",
          "user.name=stax",
          "-c",
          "user.email=stax@localhost",
          ...args,
        ],
        {
          maxBuffer: 64 * 1024 * 1024,
          ...(dated && { env: { ...hostEnv, GIT_AUTHOR_DATE: dated, GIT_COMMITTER_DATE: dated } }),
        },
      );
    await run("git", ["init", "-q", "--bare", join(tmp, "git")]);
    const base = await headTree(workspace);
    // Dated as HEAD (outside git: git's first second), never as now: the same files make the same commit.
    const date = `@${base?.date ?? 0} +0000`;
    if (base) {
      // Start from the tracked files (kept even where a .gitignore names them), then add the rest.
      await writeFile(join(tmp, "git", "objects", "info", "alternates"), `${base.objects}\n`);
      await git(["read-tree", base.tree]);
    } else await writeFile(join(tmp, "git", "info", "exclude"), EXCLUDE.join("\n") + "\n");
    // stax's own folders (a STAX_HOME inside the workspace) are never part of the source.
    await git(["add", "-A", "--", ".", ...ownFoldersInside(workspace, own).map((rel) => `:(exclude)${rel}`)]);
    const tree = (await git(["write-tree"])).stdout.trim();
    const commit = (
      await git(["commit-tree", tree, "-m", "stax: the workspace as the run saw it"], date)
    ).stdout.trim();
    await git(["update-ref", "refs/heads/source", commit]);
    const file = join(tmp, "source.bundle");
    await git(["bundle", "create", "-q", file, "refs/heads/source"]);
    const key = sourceKey(runId);
    await blobs.put(key, createReadStream(file));
    return { key, commit };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * The tree of HEAD at the workspace (a subfolder's own tree when the workspace is one), HEAD's
 * committer date (Unix seconds) and the repository's object folder.
 */
async function headTree(workspace: string): Promise<{ tree: string; date: string; objects: string } | undefined> {
  try {
    const [objects, prefix] = (
      await run("git", [
        "-C",
        workspace,
        "rev-parse",
        "--path-format=absolute",
        "--git-path",
        "objects",
        "--show-prefix",
      ])
    ).stdout
      .trim()
      .split("\n");
    // Two processes at once: no git command prints both a sub-folder's tree and a date. The date
    // only names the snapshot: a HEAD git cannot date is dated 0, its tree used all the same.
    const [tree, date] = (
      await Promise.all([
        run("git", ["-C", workspace, "rev-parse", "--verify", "-q", `HEAD:${prefix ?? ""}`]),
        run("git", ["-C", workspace, "log", "-1", "--format=%ct", "HEAD"]).catch(() => ({ stdout: "0" })),
      ])
    ).map((r) => r.stdout.trim());
    return tree ? { tree, date: /^\d+$/.test(date) ? date : "0", objects } : undefined;
  } catch {
    return undefined;
  }
}

/** Checks a run's source out of its bundle into `dir` (a new folder). */
export async function checkoutSource(
  blobs: BlobStore,
  source: { key: string; commit: string },
  dir: string,
): Promise<void> {
  const bundle = `${dir}.bundle`;
  try {
    await fetchBundle(blobs, source, bundle);
    await cloneBundle(bundle, dir);
  } finally {
    await rm(bundle, { force: true });
  }
}

/** Writes a run's source bundle from the store to `file`. */
export async function fetchBundle(blobs: BlobStore, source: { key: string }, file: string): Promise<void> {
  const body = await blobs.get(source.key);
  if (!body) throw new Error(`the run's source (${source.key}) is not in the store`);
  await pipeline(body, createWriteStream(file));
}

/**
 * Checks the source out of a bundle file into `dir` (a new folder): one process, a clone of the
 * bundle's one branch. These checkouts are thrown away after the run's legs (or its planning), so
 * the clone writes no hook samples and no reflogs and flushes nothing to disk: on a busy disk each
 * file it creates cost up to 0.6 ms, on a leg's way to its first step.
 */
export async function cloneBundle(file: string, dir: string): Promise<void> {
  await run("git", [
    "-c",
    "core.logAllRefUpdates=false",
    "-c",
    "core.fsync=none",
    "clone",
    "-q",
    "--no-tags",
    "--template=",
    "-b",
    "source",
    file,
    dir,
  ]);
}
