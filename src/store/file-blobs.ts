import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { BlobStore } from "./store.js";

/**
 * Blobs as files under one folder (the embedded store's data folder): key `a/b/c` is the file
 * `<root>/a/b/c`. Keys are checked, so no key names a file outside the root.
 */
export class FileBlobs implements BlobStore {
  constructor(private readonly root: string) {}

  private path(key: string): string {
    if (!key || key.startsWith("/") || key.split("/").some((p) => p === ".." || p === "."))
      throw new Error(`invalid blob key '${key}'`);
    return join(this.root, key);
  }

  async put(key: string, body: Readable | Buffer): Promise<number> {
    const file = this.path(key);
    // Folders 0700 and files 0600 whatever the umask: artifacts and bundles are no other user's to read.
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    // Written beside and renamed: a reader never sees half a blob.
    const tmp = `${file}.${process.pid}.part`;
    await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, createWriteStream(tmp, { mode: 0o600 }));
    await rename(tmp, file);
    return (await stat(file)).size;
  }

  async get(key: string): Promise<Readable | undefined> {
    const file = this.path(key);
    if ((await this.size(key)) === undefined) return undefined;
    return createReadStream(file);
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const s = await stat(this.path(key));
      return s.isFile() ? s.size : undefined;
    } catch {
      return undefined;
    }
  }

  async list(prefix: string): Promise<{ key: string; size: number }[]> {
    const dir = this.path(prefix.replace(/\/+$/, "") || ".");
    const out: { key: string; size: number }[] = [];
    const walk = async (d: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(d, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = join(d, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.isFile() && !e.name.endsWith(".part"))
          out.push({ key: relative(this.root, p).split(sep).join("/"), size: (await stat(p)).size });
      }
    };
    await walk(dir);
    return out.filter((b) => b.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async deletePrefix(prefix: string): Promise<void> {
    // Prefixes used here end at a folder boundary (`artifacts/<run>/`).
    await rm(this.path(prefix.replace(/\/+$/, "")), { recursive: true, force: true });
  }
}
