import { execFile } from "node:child_process";
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

/** A checkout of at most this many entries is copied by this process; a larger one by `cp -a`. */
const IN_PROCESS = 256;

/** A folder's entries (relative paths, parents before children), listed once to be copied for many legs. */
export interface TreeList {
  dirs: { rel: string; mode: number }[];
  files: string[];
  links: string[];
}

/** The entries under `root`, or undefined when there are more than `IN_PROCESS` (`cp -a` copies those). */
export function listTree(root: string): TreeList | undefined {
  const list: TreeList = { dirs: [], files: [], links: [] };
  let count = 0;
  const walk = (rel: string): boolean => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      if (++count > IN_PROCESS) return false;
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        list.dirs.push({ rel: path, mode: lstatSync(join(root, path)).mode & 0o7777 });
        if (!walk(path)) return false;
      } else if (e.isSymbolicLink()) list.links.push(path);
      else if (e.isFile()) list.files.push(path);
      else return false; // a fifo or a socket: cp -a knows what to do with those
    }
    return true;
  };
  return walk("") ? list : undefined;
}

/**
 * Copies the folder `from` to `to` (a new folder, made 0700). A small checkout (`list` given) is
 * copied by this process, synchronously: a few hundred system calls at most, where a `cp`
 * process cost the worker more CPU than the copy (its spawn blocks the event loop too), and
 * where each awaited call waited for a turn of a busy machine's event loop. A larger one is
 * copied by `cp -a`, one process copying natively, several times faster than fs.cp's walk.
 */
export async function copyTree(from: string, to: string, list: TreeList | undefined): Promise<void> {
  if (!list) return void (await promisify(execFile)("cp", ["-a", from, to]));
  mkdirSync(to, { mode: 0o700 });
  for (const d of list.dirs) mkdirSync(join(to, d.rel), { mode: d.mode });
  // copyFileSync keeps each file's mode (an executable script stays executable).
  for (const f of list.files) copyFileSync(join(from, f), join(to, f));
  for (const l of list.links) symlinkSync(readlinkSync(join(from, l)), join(to, l));
}
