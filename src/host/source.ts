import { execFile } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { ownFoldersInside } from "../engine/index.js";
import { sourceKey, type BlobStore } from "../store/index.js";
import { checkoutBundle, SHALLOW_REF, SOURCE_REF } from "./source-checkout.js";

const run = promisify(execFile);

/** Left out of the snapshot of a folder that is not a git repository: what a checkout would not hold. */
const EXCLUDE = ["node_modules/", "dist/", "build/", "target/", ".next/", ".turbo/", "coverage/"];

/**
 * Snapshots a workspace for workers, as `stax run` gives its legs (snapshotOf in
 * src/engine/job/checkouts.ts): HEAD's own commit when the files are HEAD's, else a commit of the
 * files as they are now — tracked ones (changed or not) and untracked ones `.gitignore` does not
 * name — whose parent is HEAD; outside git (or for a sub-folder of a repository, whose files are
 * not HEAD's tree) a commit of the files with no parent, outside git all but the usual build
 * folders. History is cut at HEAD, as a depth-1 checkout's (the bundle holds HEAD without its
 * parents and names it SHALLOW_REF). Made in a throw-away repository that borrows the user's
 * objects, so nothing in the user's repository changes. Stored as a git bundle blob of the run;
 * resolves with its key and commit.
 *
 * The commit is a function of the files and of HEAD (its date dates a new commit: no run id, no
 * clock): runs of the same files have the same commit, so a worker prepares that source once for
 * all of their legs.
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
    const dir = join(tmp, "git");
    await run("git", ["init", "-q", "--bare", dir]);
    const base = await headTree(workspace);
    // Dated as HEAD (outside git: git's first second), never as now: the same files make the same commit.
    const date = `@${base?.date ?? 0} +0000`;
    if (base) {
      // Start from the tracked files (kept even where a .gitignore names them), then add the rest.
      await writeFile(join(dir, "objects", "info", "alternates"), `${base.objects}\n`);
      await git(["read-tree", base.tree]);
    } else await writeFile(join(dir, "info", "exclude"), EXCLUDE.join("\n") + "\n");
    // stax's own folders (a STAX_HOME inside the workspace) are never part of the source.
    await git(["add", "-A", "--", ".", ...ownFoldersInside(workspace, own).map((rel) => `:(exclude)${rel}`)]);
    const tree = (await git(["write-tree"])).stdout.trim();
    // A sub-folder's files are not HEAD's tree: they have no parent, as with `stax run`.
    const head = base && !base.prefix ? base.head : undefined;
    const commit =
      head && tree === base?.tree
        ? head
        : (
            await git(
              ["commit-tree", tree, ...(head ? ["-p", head] : []), "-m", "stax: the workspace as the run saw it"],
              date,
            )
          ).stdout.trim();
    // The refs and the boundary as files (what update-ref would write): no git process for them.
    await writeFile(join(dir, SOURCE_REF), `${commit}\n`);
    const refs = [SOURCE_REF];
    if (head) {
      await writeFile(join(dir, "shallow"), `${head}\n`);
      await mkdir(join(dir, "refs", "stax"), { recursive: true });
      await writeFile(join(dir, SHALLOW_REF), `${head}\n`);
      refs.push(SHALLOW_REF);
    }
    const file = join(tmp, "source.bundle");
    await git(["bundle", "create", "-q", file, ...refs]);
    const key = sourceKey(runId);
    await blobs.put(key, createReadStream(file));
    return { key, commit };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * HEAD's commit, its tree at the workspace (a subfolder's own tree when the workspace is one, named
 * by `prefix`), its committer date (Unix seconds) and the repository's object folder.
 */
async function headTree(
  workspace: string,
): Promise<{ head: string; tree: string; prefix: string; date: string; objects: string } | undefined> {
  try {
    const [objects, prefix = "", head] = (
      await run("git", [
        "-C",
        workspace,
        "rev-parse",
        "--path-format=absolute",
        "--git-path",
        "objects",
        "--show-prefix",
        "HEAD",
      ])
    ).stdout
      .trim()
      .split("\n");
    if (!head) return undefined;
    // Two processes at once: no git command prints both a sub-folder's tree and a date. The date
    // only names the snapshot: a HEAD git cannot date is dated 0, its tree used all the same.
    const [tree, date] = (
      await Promise.all([
        run("git", ["-C", workspace, "rev-parse", "--verify", "-q", `${head}:${prefix}`]),
        run("git", ["-C", workspace, "log", "-1", "--format=%ct", head]).catch(() => ({ stdout: "0" })),
      ])
    ).map((r) => r.stdout.trim());
    return tree ? { head, tree, prefix, date: /^\d+$/.test(date) ? date : "0", objects } : undefined;
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
    await checkoutBundle(bundle, dir);
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
