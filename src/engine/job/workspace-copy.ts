import { cpSync, readFileSync } from "node:fs";
import { chmod, cp, mkdir, readdir, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import { copyListed, listTree } from "./tree-copy.js";

/** Folders a copy of a workspace leaves out: dependencies, VCS data and the usual build output. */
export const COPY_SKIP = ["node_modules", ".git", "dist", "build", "target", ".next", ".turbo", "coverage"];

/**
 * The simple rules of the workspace's top-level `.gitignore` that a copy can honour without git:
 * plain names (`out`, `tmp/`) and `*.ext` patterns. Negations and paths with `/` inside are left
 * to git; a folder that is not a repository rarely has them.
 */
function ignoreRules(root: string): { names: Set<string>; suffixes: string[] } {
  const names = new Set(COPY_SKIP);
  const suffixes: string[] = [];
  let text = "";
  try {
    text = readFileSync(`${root}/.gitignore`, "utf8");
  } catch {
    return { names, suffixes };
  }
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim().replace(/^\//, "").replace(/\/$/, "");
    if (!line || line.startsWith("#") || line.startsWith("!")) continue;
    if (/^\*\.[^*?[\]/]+$/.test(line)) suffixes.push(line.slice(1));
    else if (!/[*?[\]/]/.test(line)) names.add(line);
  }
  return { names, suffixes };
}

/** A `cp` filter for `root`: false for anything under a skipped folder or matching an ignore rule. */
export function copyFilter(root: string): (src: string) => boolean {
  const { names, suffixes } = ignoreRules(root);
  return (src) => {
    const parts = relative(root, src).split(/[\\/]/);
    return !parts.some((p) => names.has(p) || suffixes.some((s) => p.endsWith(s)));
  };
}

/** The leftovers a copy omits, for a log line. */
export function describeCopySkips(): string {
  return COPY_SKIP.join(", ");
}

/** Copies `src` to `dest` without what `copyFilter` leaves out (synchronously: the runner's sandboxes). */
export function copyWorkspaceSync(src: string, dest: string): void {
  cpSync(src, dest, { recursive: true, filter: copyFilter(src), verbatimSymlinks: true });
}

/**
 * The folders of `own` (stax's: its home, the checkouts, the sandboxes) that lie inside
 * `workspace`, relative to it: never part of a leg's copy or snapshot.
 */
export function ownFoldersInside(workspace: string, own: readonly string[]): string[] {
  return own
    .map((dir) => relative(resolve(workspace), resolve(dir)))
    .filter((rel) => rel !== "" && !rel.startsWith("..") && !isAbsolute(rel));
}

/**
 * Copies `src` to `dest` without what `copyFilter` leaves out, nor `dest` itself and the `own`
 * folders (stax's, when its home lies inside the workspace), off the event loop (parallel legs
 * keep logging). The copy is private (folders 0700, files without group or other bits): a job's
 * checkout holds the workspace's `.env`-like files and whatever its steps write.
 */
export async function copyWorkspace(src: string, dest: string, own: readonly string[] = []): Promise<void> {
  const skipped = ownFoldersInside(src, [dest, ...own]);
  const kept = copyFilter(src);
  const under = (p: string, rel: string) => p === rel || p.startsWith(`${rel}/`);
  const filter = (p: string) => kept(p) && !skipped.some((rel) => under(relative(src, p), rel));
  // A small workspace (the usual one outside git) is copied at once by this process: a few ms of
  // the event loop at most, where fs.cp's awaited walk takes turns of it for each call.
  const list = listTree(src, filter, { entries: 64, bytes: 1024 * 1024 });
  if (list) return copyListed(src, dest, list, true);
  // cp refuses a folder that holds its destination even when the filter leaves that part out, so
  // the folders on the way to a skipped one are walked here, and the rest copied by cp.
  const copy = async (from: string, to: string): Promise<void> => {
    const rel = relative(src, from);
    if (!skipped.some((s) => rel === "" || s.startsWith(`${rel}/`)))
      return cp(from, to, { recursive: true, filter, verbatimSymlinks: true });
    await mkdir(to, { recursive: true });
    for (const name of await readdir(from)) if (filter(join(from, name))) await copy(join(from, name), join(to, name));
  };
  if (skipped.length) await copy(src, dest);
  else await cp(src, dest, { recursive: true, filter, verbatimSymlinks: true });
  await restrictTree(dest);
}

/** Makes `dir` (created 0700 when missing) a folder only its owner enters, whatever it was made with. */
export async function privateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** Clears the group and other bits of every folder and file under `dir` (symlinks left as they are). */
async function restrictTree(dir: string): Promise<void> {
  await chmod(dir, 0o700);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await restrictTree(p);
    else if (e.isFile()) await chmod(p, (await stat(p)).mode & 0o700);
  }
}

/** `git ARGS` run under umask 077, so the files a checkout writes are 0600 and its folders 0700. */
export const privateGit = (args: string[]): [string, string[]] => [
  "sh",
  ["-c", 'umask 077 && exec git "$@"', "git", ...args],
];
