/**
 * Eviction of actions/cache entries, by GitHub's rules: an entry not used (saved or restored)
 * for `idleDays` goes, and while all of them take more than `maxBytes` the least recently used
 * goes. The entry just saved or restored stays whatever its size.
 */
import { readdirSync, rmSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import type { CacheLimits } from "../../options.js";

export interface CacheEntryUse {
  name: string;
  bytes: number;
  /** Last saved or restored, in ms since the epoch. */
  usedAt: number;
}

/** The names of the entries to remove, oldest use first. */
export function toEvict(entries: CacheEntryUse[], limits: CacheLimits, keep: string, now: Date): string[] {
  const idleSince = now.getTime() - limits.idleDays * 86_400_000;
  const out: string[] = [];
  let total = entries.reduce((n, e) => n + e.bytes, 0);
  for (const e of [...entries].sort((a, b) => a.usedAt - b.usedAt)) {
    if (e.name === keep || (e.usedAt >= idleSince && total <= limits.maxBytes)) continue;
    out.push(e.name);
    total -= e.bytes;
  }
  return out;
}

/** Marks a local entry used now: its `meta.json`'s time is the entry's last use. */
export function touchEntry(dir: string, now: Date): void {
  try {
    utimesSync(join(dir, "meta.json"), now, now);
  } catch {
    // an entry removed meanwhile: nothing to mark
  }
}

/** Applies the limits to the cache folder `root` (entries are its folders with a `meta.json`). */
export function evictLocal(root: string, limits: CacheLimits, keep: string, now: Date): string[] {
  const entries: CacheEntryUse[] = [];
  for (const name of readdirSync(root)) {
    const dir = join(root, name);
    const meta = statSync(join(dir, "meta.json"), { throwIfNoEntry: false });
    if (!meta) continue; // a save or fetch in progress (`.tmp-…`, `.fetch-…`) or not an entry
    let bytes = 0;
    for (const f of readdirSync(dir)) bytes += statSync(join(dir, f), { throwIfNoEntry: false })?.size ?? 0;
    entries.push({ name, bytes, usedAt: meta.mtimeMs });
  }
  const gone = toEvict(entries, limits, keep, now);
  for (const name of gone) rmSync(join(root, name), { recursive: true, force: true });
  return gone;
}
