import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { StaxError, type CacheEntryInfo } from "../contract/index.js";
import { route, sendJson, type Route } from "./http.js";

/** One entry of the runner's actions/cache folder, or undefined when the folder is not one (a save in progress). */
async function entryOf(root: string, name: string): Promise<CacheEntryInfo | undefined> {
  const dir = join(root, name);
  try {
    const metaFile = join(dir, "meta.json");
    const meta = JSON.parse(await readFile(metaFile, "utf8")) as { key?: unknown; createdAt?: unknown };
    if (typeof meta.key !== "string") return undefined;
    let size = 0;
    for (const f of await readdir(dir)) size += (await stat(join(dir, f))).size;
    // The cache shim marks an entry used by touching its meta.json (cache-evict.ts): its time is the last use.
    const used = (await stat(metaFile)).mtime.toISOString();
    return {
      id: name,
      key: meta.key,
      size,
      createdAt: typeof meta.createdAt === "string" ? meta.createdAt : used,
      lastUsedAt: used,
    };
  } catch {
    return undefined;
  }
}

/**
 * `GET /api/caches` and `DELETE /api/caches/:id`: the actions/cache entries this runner's runs
 * saved (its cache folder), as GitHub's Caches page lists them: key, size, created, last used.
 * Entries of a fleet's shared cache (the store's blobs) are not listed here.
 */
export function cacheRoutes(d: { cacheDir?: string }): Route[] {
  const list = async (): Promise<CacheEntryInfo[]> => {
    if (!d.cacheDir) return [];
    const names = await readdir(d.cacheDir).catch(() => [] as string[]);
    const entries = (await Promise.all(names.map((n) => entryOf(d.cacheDir!, n)))).filter(
      (e): e is CacheEntryInfo => !!e,
    );
    return entries.sort((a, b) => b.lastUsedAt.localeCompare(a.lastUsedAt));
  };
  return [
    route("GET", "/api/caches", async ({ res }) => sendJson(res, 200, await list())),
    route("DELETE", "/api/caches/:id", async ({ res, params }) => {
      // Only a name the listing gives: never a path.
      const entry = (await list()).find((e) => e.id === params.id);
      if (!entry || !d.cacheDir) throw new StaxError("CACHE_NOT_FOUND", `no cache entry '${params.id}'`);
      await rm(join(d.cacheDir, entry.id), { recursive: true, force: true });
      sendJson(res, 200, entry);
    }),
  ];
}
