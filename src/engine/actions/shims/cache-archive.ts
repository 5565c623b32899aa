/**
 * actions/cache entries as compressed tar archives, as GitHub's cache stores them: the system
 * `tar` (links kept as links, modes kept), gzip through node:zlib. Paths are grouped by where
 * they live — the workspace, the home folder, elsewhere — one archive each, with names relative
 * to that base, so an entry restores into another leg's workspace or another checkout.
 */
import { spawn } from "node:child_process";
import { createReadStream, createWriteStream, lstatSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";

/** The bases an entry's paths are relative to. */
export interface Bases {
  workspace: string;
  home: string;
}

type Kind = "workspace" | "home" | "root";

const baseOf = (kind: Kind, b: Bases): string => (kind === "workspace" ? b.workspace : kind === "home" ? b.home : sep);

/** Which base holds `file`, and its path relative to it. */
function place(file: string, b: Bases): [Kind, string] {
  if (!relative(b.workspace, file).startsWith("..")) return ["workspace", relative(b.workspace, file)];
  if (b.home && !relative(b.home, file).startsWith("..")) return ["home", relative(b.home, file)];
  return ["root", relative(sep, file)];
}

/** Runs `tar args`, feeding or draining it through `io`; rejects with tar's own message. */
function tar(args: string[], io: (p: ReturnType<typeof spawn>) => Promise<unknown>): Promise<void> {
  const p = spawn("tar", args, { stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  p.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve, reject) => {
    p.on("error", reject);
    p.on("close", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(err.trim().split("\n").slice(-2).join("; ") || `tar exited with ${code}`)),
    );
  });
  // tar may stop reading once it has seen the end-of-archive blocks: a pipe closed then is not an error.
  const fed = io(p).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== "ERR_STREAM_PREMATURE_CLOSE" && e.code !== "EPIPE") throw e;
  });
  return Promise.all([fed, exited]).then(() => undefined);
}

/** Writes `paths` (absolute) as `<dir>/<base>.tar.gz` archives; returns how many of them are not folders. */
export async function packEntry(dir: string, paths: string[], bases: Bases): Promise<number> {
  const groups = new Map<Kind, string[]>();
  for (const p of paths) {
    const [kind, rel] = place(p, bases);
    if (rel) groups.set(kind, [...(groups.get(kind) ?? []), rel]);
  }
  mkdirSync(dir, { recursive: true });
  for (const [kind, rels] of groups) {
    const list = join(dir, `${kind}.list`);
    writeFileSync(list, rels.join("\0"));
    // --no-recursion: the list already holds each folder's content (excludes applied).
    await tar(["-C", baseOf(kind, bases), "--no-recursion", "--null", "-T", list, "-cf", "-"], (p) => {
      p.stdin!.end();
      return pipeline(p.stdout!, createGzip(), createWriteStream(join(dir, `${kind}.tar.gz`)));
    });
    rmSync(list);
  }
  return paths.filter((p) => !lstatSync(p, { throwIfNoEntry: false })?.isDirectory()).length;
}

/** Extracts an entry's archives over what is there (files replaced, links restored as links). */
export async function unpackEntry(dir: string, bases: Bases): Promise<void> {
  for (const kind of ["workspace", "home", "root"] as Kind[]) {
    const file = join(dir, `${kind}.tar.gz`);
    if (!lstatSync(file, { throwIfNoEntry: false })) continue;
    const base = baseOf(kind, bases);
    mkdirSync(base, { recursive: true });
    await tar(["-C", base, "-xf", "-"], (p) => pipeline(createReadStream(file), createGunzip(), p.stdin!));
  }
}
