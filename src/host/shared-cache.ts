import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { toEvict, type CacheEntryUse, type CacheLimits, type SharedCache } from "../engine/index.js";
import type { BlobStore } from "../store/index.js";

const PREFIX = "cache/";
const META = "meta.json";
/** When a leg last restored the entry (ISO time); absent: never since it was saved. */
const USED = "used";

/**
 * actions/cache entries shared through the store's blobs (`cache/<entry>/<file>`), so what a leg
 * saves on one worker a leg on another restores. An entry's `meta.json` is stored last and read
 * first: an entry is listed only once all of it is stored. Entries never change once saved, so
 * their metadata is read once per process. Eviction goes by the entry's last restore (its `used`
 * blob), else its creation.
 */
export class BlobCache implements SharedCache {
  private readonly metas = new Map<string, unknown>();

  constructor(private readonly blobs: BlobStore) {}

  async entries(): Promise<Map<string, unknown>> {
    return this.metasOf(await this.blobs.list(PREFIX));
  }

  /** The metadata of the entries in a listing of the `cache/` blobs (read once per entry and process). */
  private async metasOf(listed: { key: string }[]): Promise<Map<string, unknown>> {
    const stored = new Set(
      listed.filter((b) => b.key.endsWith(`/${META}`)).map((b) => b.key.slice(PREFIX.length).split("/")[0]),
    );
    // Evicted (here or by another machine) since they were read.
    for (const name of this.metas.keys()) if (!stored.has(name)) this.metas.delete(name);
    for (const { key } of listed) {
      const [name, file] = key.slice(PREFIX.length).split("/");
      if (file !== META || this.metas.has(name)) continue;
      const body = await this.blobs.get(key);
      if (!body) continue;
      try {
        this.metas.set(name, JSON.parse((await text(body)) || "null"));
      } catch {
        // not an entry of ours: left out
      }
    }
    return new Map(this.metas);
  }

  async fetch(root: string, name: string): Promise<void> {
    const files = (await this.blobs.list(`${PREFIX}${name}/`)).map((b) => b.key.slice(`${PREFIX}${name}/`.length));
    if (!files.includes(META)) throw new Error(`cache entry ${name} is not in the store`);
    const tmp = join(root, `${name}.fetch-${process.pid}`);
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    try {
      for (const f of files) {
        const body = await this.blobs.get(`${PREFIX}${name}/${f}`);
        if (!body) throw new Error(`cache entry ${name} lost its ${f}`);
        await pipeline(body, createWriteStream(join(tmp, f)));
      }
      // Another leg of this machine may have brought it meanwhile: theirs stays.
      if (existsSync(join(root, name))) await rm(tmp, { recursive: true, force: true });
      else await rename(tmp, join(root, name));
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  async share(root: string, name: string): Promise<void> {
    const files = (await readdir(join(root, name))).filter((f) => f !== META);
    for (const f of [...files, META])
      await this.blobs.put(`${PREFIX}${name}/${f}`, createReadStream(join(root, name, f)));
  }

  async used(name: string, at: Date): Promise<void> {
    if (await this.blobs.size(`${PREFIX}${name}/${META}`))
      await this.blobs.put(`${PREFIX}${name}/${USED}`, Buffer.from(at.toISOString()));
  }

  async evict(limits: CacheLimits, keep: string, now: Date): Promise<string[]> {
    const listed = await this.blobs.list(PREFIX);
    const byName = new Map<string, CacheEntryUse & { used: boolean }>();
    for (const { key, size } of listed) {
      const [name, file] = key.slice(PREFIX.length).split("/");
      const e = byName.get(name) ?? byName.set(name, { name, bytes: 0, usedAt: NaN, used: false }).get(name)!;
      e.bytes += size;
      if (file === USED) e.used = true;
    }
    const entries = await this.metasOf(listed);
    for (const e of byName.values()) {
      const meta = entries.get(e.name) as { createdAt?: string } | undefined;
      // Not listed yet (being shared) or not an entry of ours: left alone.
      if (!meta) continue;
      const used = e.used ? await this.blobs.get(`${PREFIX}${e.name}/${USED}`) : undefined;
      e.usedAt = Date.parse(used ? await text(used) : (meta.createdAt ?? ""));
    }
    const gone = toEvict(
      [...byName.values()].filter((e) => !Number.isNaN(e.usedAt)),
      limits,
      keep,
      now,
    );
    for (const name of gone) {
      // The meta first: a half-deleted entry is never listed.
      await this.blobs.deletePrefix(`${PREFIX}${name}/${META}`);
      await this.blobs.deletePrefix(`${PREFIX}${name}/`);
      this.metas.delete(name);
    }
    return gone;
  }
}

async function text(body: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(Buffer.from(c as Buffer));
  return Buffer.concat(parts).toString("utf8");
}
