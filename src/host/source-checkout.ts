import { spawn } from "node:child_process";
import { mkdir, open, rm, writeFile, type FileHandle } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";

/** The branch a source bundle holds and its checkouts are on. */
export const SOURCE_REF = "refs/heads/source";
/**
 * Names, in a source bundle, the commit its history is cut at (HEAD of the workspace): the bundle
 * holds that commit without its parents, so a checkout lists it in `.git/shallow` (depth 1).
 */
export const SHALLOW_REF = "refs/stax/shallow";

/**
 * git's parallel checkout, for checkouts of 100 files or more (checkout.thresholdForParallelism;
 * below it, no worker process): on a disk where each file created costs, 589 files took 60–75 ms
 * with 2 workers against 260–470 ms written one after the other (on tmpfs 31–34 against 32–39).
 */
const CHECKOUT_WORKERS = Math.min(4, availableParallelism());

/** What a bundle's header says: its refs, the object format, and where its pack starts. */
interface BundleHeader {
  refs: Map<string, string>;
  sha256: boolean;
  packAt: number;
}

/**
 * Checks the source out of a bundle file into `dir` (a new folder, made private: 0700), as
 * `git clone` of the bundle would, but shallow where the bundle is cut at HEAD: a plain clone
 * refuses such a bundle ("did not send all necessary objects"), since it checks that every
 * parent is there before it knows of the boundary. Two git processes, started by one shell, on a
 * leg's way to its first step (a clone is three: clone, index-pack, rev-list): the repository's
 * few files are written here (what `git init --template=` and the clone's refs would write, with
 * no hooks and no reflogs), `index-pack` reads the bundle's pack, `read-tree` checks the branch
 * out (with up to CHECKOUT_WORKERS more for 100 files or more, each writing its share of the
 * files). Nothing is flushed to disk: these checkouts are thrown away after the run's legs (or its
 * planning), and on a busy disk each file flushed cost up to 0.6 ms.
 */
export async function checkoutBundle(file: string, dir: string): Promise<void> {
  const bundle = await open(file, "r");
  try {
    const { refs, sha256, packAt } = await readHeader(bundle, file);
    const commit = refs.get(SOURCE_REF);
    if (!commit) throw new Error(`${file}: the bundle has no ${SOURCE_REF}`);
    // index-pack reads the pack from the bundle file itself, its input this file at the pack's
    // start: a read with no position moves the file's offset, which the child shares.
    const { bytesRead } = await bundle.read(Buffer.alloc(packAt), 0, packAt, null);
    if (bytesRead !== packAt) throw new Error(`${file}: the bundle ends in its header`);
    await mkdir(dir, { mode: 0o700 });
    try {
      await writeRepository(join(dir, ".git"), commit, refs.get(SHALLOW_REF), sha256);
      await indexAndCheckOut(dir, bundle.fd);
    } catch (err) {
      // As a failed clone: no half-made checkout is left behind.
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  } finally {
    await bundle.close();
  }
}

/** The files `git init --template=` and a clone's branch would leave (no hooks, no reflogs), and the boundary. */
async function writeRepository(git: string, commit: string, shallow: string | undefined, sha256: boolean) {
  await Promise.all([
    mkdir(join(git, "objects", "pack"), { recursive: true }),
    mkdir(join(git, "refs", "heads"), { recursive: true }),
  ]);
  const format = sha256 ? "\trepositoryformatversion = 1\n" : "\trepositoryformatversion = 0\n";
  const extensions = sha256 ? "[extensions]\n\tobjectformat = sha256\n" : "";
  await Promise.all([
    writeFile(join(git, "HEAD"), `ref: ${SOURCE_REF}\n`),
    writeFile(
      join(git, "config"),
      `[core]\n${format}\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n${extensions}`,
    ),
    writeFile(join(git, SOURCE_REF), `${commit}\n`),
    shallow && writeFile(join(git, "shallow"), `${shallow}\n`),
  ]);
}

/**
 * Runs `index-pack` (the pack from `input`, the bundle file at its pack) then `read-tree` in
 * `dir`, with nothing flushed to disk. One `sh` starts both: a fork of this process (a worker's
 * tens of MB) costs more than the small shell's two.
 */
async function indexAndCheckOut(dir: string, input: number): Promise<void> {
  const git = "git -c core.fsync=none";
  const script = `${git} index-pack --stdin >/dev/null && exec ${git} -c checkout.workers=${CHECKOUT_WORKERS} read-tree --reset -u HEAD`;
  const child = spawn("sh", ["-c", script], { cwd: dir, stdio: [input, "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (code !== 0) throw new Error(`git index-pack and read-tree in ${dir} failed (${code}): ${stderr.trim()}`);
}

/**
 * Reads a bundle's header (`# v2 git bundle` or v3: capabilities, prerequisites, refs, an empty
 * line). A bundle with prerequisites needs objects no new checkout has: it is refused.
 */
async function readHeader(handle: FileHandle, file: string): Promise<BundleHeader> {
  let text = "";
  for (let at = 0; ;) {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(4096), 0, 4096, at);
    if (!bytesRead) throw new Error(`${file}: not a git bundle (no end to its header)`);
    at += bytesRead;
    // The header is ASCII (hex names, ref names, capabilities): latin1 keeps one character per byte.
    text += buffer.toString("latin1", 0, bytesRead);
    const end = text.indexOf("\n\n");
    if (end >= 0) return parseHeader(file, text.slice(0, end).split("\n"), end + 2);
  }
}

function parseHeader(file: string, lines: string[], packAt: number): BundleHeader {
  if (lines[0] !== "# v2 git bundle" && lines[0] !== "# v3 git bundle") {
    throw new Error(`${file}: not a git bundle (${JSON.stringify(lines[0])})`);
  }
  const refs = new Map<string, string>();
  let sha256 = false;
  for (const line of lines.slice(1)) {
    if (line.startsWith("@")) sha256 ||= line === "@object-format=sha256";
    else if (line.startsWith("-")) throw new Error(`${file}: the bundle needs commits it does not hold`);
    else {
      const [sha, name] = line.split(" ");
      if (sha && name) refs.set(name, sha);
    }
  }
  return { refs, sha256, packAt };
}
