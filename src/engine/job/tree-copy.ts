import { execFile } from "node:child_process";
import { chmodSync, copyFileSync, lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

/** How much a tree copied by this process may hold: it is copied synchronously, the event loop waiting (~60 µs a file here, ~0.5 ms a MiB). */
export interface InProcessLimit {
  entries: number;
  bytes: number;
}

/** The worker's: a `cp` process cost it more CPU than copying a checkout of this size itself. */
const WORKER_LIMIT: InProcessLimit = { entries: 256, bytes: 4 * 1024 * 1024 };

/** A folder's entries (relative paths, parents before children), listed once to be copied for many legs. */
export interface TreeList {
  dirs: { rel: string; mode: number }[];
  files: { rel: string; mode: number }[];
  links: string[];
}

/**
 * The entries under `root` that `keep` (given each entry's absolute path) keeps, or undefined
 * when they are more than `limit` allows, or one is neither a folder, a file nor a link.
 */
export function listTree(
  root: string,
  keep: (path: string) => boolean = () => true,
  limit: InProcessLimit = WORKER_LIMIT,
): TreeList | undefined {
  const list: TreeList = { dirs: [], files: [], links: [] };
  let count = 0;
  let bytes = 0;
  const walk = (rel: string): boolean => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (!keep(join(root, path))) continue;
      if (++count > limit.entries) return false;
      if (e.isDirectory()) {
        list.dirs.push({ rel: path, mode: lstatSync(join(root, path)).mode & 0o7777 });
        if (!walk(path)) return false;
      } else if (e.isSymbolicLink()) list.links.push(path);
      else if (e.isFile()) {
        const { size, mode } = lstatSync(join(root, path));
        if ((bytes += size) > limit.bytes) return false;
        list.files.push({ rel: path, mode: mode & 0o7777 });
      } else return false; // a fifo or a socket: cp -a knows what to do with those
    }
    return true;
  };
  return walk("") ? list : undefined;
}

/**
 * Copies the listed entries of `from` to `to` (a new folder, made 0700) in this process,
 * synchronously: a few hundred system calls at most, where a `cp` process or `fs.cp`'s awaited
 * walk cost more than the copy (each awaited call waits for a turn of a busy event loop).
 * `owner`: folders 0700 and files without group or other bits, as every copy of a workspace.
 */
export function copyListed(from: string, to: string, list: TreeList, owner = false): void {
  mkdirSync(to, { mode: 0o700 });
  for (const d of list.dirs) mkdirSync(join(to, d.rel), { mode: owner ? 0o700 : d.mode });
  // copyFileSync keeps each file's mode (an executable script stays executable).
  for (const f of list.files) {
    copyFileSync(join(from, f.rel), join(to, f.rel));
    if (owner) chmodSync(join(to, f.rel), f.mode & 0o700);
  }
  for (const l of list.links) symlinkSync(readlinkSync(join(from, l)), join(to, l));
}

/** Copies the folder `from` to `to` (a new folder): a small one (`list` given) in this process, a larger one with `cp -a`. */
export async function copyTree(from: string, to: string, list: TreeList | undefined): Promise<void> {
  if (!list) return void (await promisify(execFile)("cp", ["-a", from, to]));
  copyListed(from, to, list);
}
