/**
 * A build context as a tar stream, the body the engine's /build takes. The tar format is
 * modern-tar's (long names, PAX headers); what goes in is chosen here, as the Docker CLI
 * chooses it: `.dockerignore` honoured, links kept as links, `.git` left out.
 */
import { lstat, readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import dockerignoreModule, { type Ignore } from "@balena/dockerignore";
import { packTar, type TarSource } from "modern-tar/fs";

// The package is CommonJS (`module.exports = factory`) while its types declare a default export:
// at run time the default import is the factory itself, to the type checker a module holding it.
const dockerignore = ((dockerignoreModule as unknown as { default?: () => Ignore }).default ??
  dockerignoreModule) as unknown as () => Ignore;

/** The context's `.dockerignore` as a test of a context-relative path (`/`-separated); nothing ignored without one. */
async function ignoreRules(root: string): Promise<{ ignores: (rel: string) => boolean; exceptions: boolean }> {
  const text = await readFile(join(root, ".dockerignore"), "utf8").catch(() => "");
  const rules = dockerignore().add(text);
  // With a `!pattern`, something below an ignored folder may come back, so such a folder is still walked.
  const exceptions = text.split(/\r?\n/).some((l) => l.trim().startsWith("!"));
  return { ignores: (rel) => rules.ignores(rel), exceptions };
}

/**
 * The entries of the context, sorted (the same files give the same tar), without reading a
 * file's content: folders (walked unless ignored with no exception that could bring something
 * back), files and links. A link is listed as itself, never entered, so a link loop ends.
 */
async function contextEntries(root: string, keep: Set<string>): Promise<TarSource[]> {
  const rules = await ignoreRules(root);
  const out: TarSource[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const e of entries) {
      const rel = prefix + e.name;
      if (rel === ".git") continue;
      const ignored = !keep.has(rel) && rules.ignores(rel);
      if (e.isDirectory()) {
        if (!ignored)
          out.push({
            type: "content",
            target: `${rel}/`,
            content: new Uint8Array(0),
            mode: (await lstat(join(dir, e.name))).mode & 0o7777,
          });
        if (!ignored || rules.exceptions) await walk(join(dir, e.name), `${rel}/`);
      } else if (!ignored && (e.isFile() || e.isSymbolicLink()))
        out.push({ type: "file", source: join(dir, e.name), target: rel });
    }
  };
  await walk(root, "");
  return out;
}

/**
 * The folder `root` as a streamed tar: file contents are read as the stream is consumed. The
 * Dockerfile and `.dockerignore` go in even when `.dockerignore` names them, as the Docker CLI
 * sends them. Times and owners are zeroed so the same files give the same bytes.
 */
export async function tarStream(root: string, dockerfile = "Dockerfile"): Promise<Readable> {
  const entries = await contextEntries(root, new Set([dockerfile.replace(/^\.\//, ""), ".dockerignore"]));
  return packTar(entries, {
    dereference: false,
    map: (h) => ({ ...h, mtime: new Date(0), uid: 0, gid: 0, uname: "", gname: "" }),
  });
}

/** The same tar in one buffer, for a caller that needs all of it (a digest of the context). */
export async function tarFolder(root: string, dockerfile = "Dockerfile"): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await tarStream(root, dockerfile)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
