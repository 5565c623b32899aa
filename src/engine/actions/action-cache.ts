/**
 * The action cache: `<cache>/<owner>/<repo>@<ref>/` folders holding an action repository as it
 * is at that ref, each with a `.stax-action.json` saying where it came from. Filled by
 * `stax actions add` (from a local checkout), `stax actions pull` and runs that fetched a missing
 * action when the network allowed. Reads never touch the network.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { execFileSync } from "node:child_process";
import { join, relative, resolve } from "node:path";

export interface CacheEntry {
  owner: string;
  repo: string;
  ref: string;
  dir: string;
  /** The commit, when the source was a git checkout or a fetch. */
  commit?: string;
  source?: string;
  addedAt?: string;
}

const META = ".stax-action.json";

/** `owner/repo@ref` → its parts; throws a usage message otherwise. */
export function parseRepoRef(spec: string): { owner: string; repo: string; ref: string } {
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)@([^\s/][^\s]*)$/.exec(spec);
  if (!m || m[3].includes("..")) throw new Error(`'${spec}' is not owner/repo@ref`);
  return { owner: m[1], repo: m[2], ref: m[3] };
}

export const entryDir = (cache: string, owner: string, repo: string, ref: string): string =>
  join(cache, owner, `${repo}@${ref}`);

function readMeta(dir: string): Partial<CacheEntry> {
  try {
    return JSON.parse(readFileSync(join(dir, META), "utf8")) as Partial<CacheEntry>;
  } catch {
    return {};
  }
}

/** Every cached action, sorted. */
export function listCache(cache: string): CacheEntry[] {
  if (!existsSync(cache)) return [];
  const out: CacheEntry[] = [];
  for (const owner of readdirSync(cache).sort()) {
    const ownerDir = join(cache, owner);
    if (!statSync(ownerDir).isDirectory()) continue;
    for (const name of readdirSync(ownerDir).sort()) {
      const at = name.indexOf("@");
      if (at <= 0 || !statSync(join(ownerDir, name)).isDirectory()) continue;
      const dir = join(ownerDir, name);
      const meta = readMeta(dir);
      out.push({
        owner,
        repo: name.slice(0, at),
        ref: name.slice(at + 1),
        dir,
        commit: meta.commit,
        source: meta.source,
        addedAt: meta.addedAt,
      });
    }
  }
  return out;
}

/**
 * The cached folder for `owner/repo@ref`: the exact ref, or for a (short) SHA an entry whose
 * commit or ref starts with it.
 */
export function findCached(cache: string, owner: string, repo: string, ref: string): string | undefined {
  const exact = entryDir(cache, owner, repo, ref);
  if (existsSync(exact)) return exact;
  if (!/^[0-9a-f]{7,40}$/i.test(ref)) return undefined;
  const r = ref.toLowerCase();
  const hit = listCache(cache).find(
    (e) =>
      e.owner.toLowerCase() === owner.toLowerCase() &&
      e.repo.toLowerCase() === repo.toLowerCase() &&
      (e.commit?.toLowerCase().startsWith(r) || (/^[0-9a-f]{7,40}$/i.test(e.ref) && e.ref.toLowerCase().startsWith(r))),
  );
  return hit?.dir;
}

function gitCommit(dir: string): string | undefined {
  try {
    return (
      execFileSync("git", ["-C", dir, "rev-parse", "HEAD"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

/** Copies a local checkout into the cache as `owner/repo@ref` (replacing what was there), without `.git`. */
export function addToCache(cache: string, spec: string, source: string): CacheEntry {
  const { owner, repo, ref } = parseRepoRef(spec);
  const src = resolve(source);
  if (!existsSync(src) || !statSync(src).isDirectory()) throw new Error(`'${source}' is not a folder`);
  const dir = entryDir(cache, owner, repo, ref);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  cpSync(src, tmp, { recursive: true, filter: (p) => !relative(src, p).split("/").includes(".git") });
  const entry: CacheEntry = {
    owner,
    repo,
    ref,
    dir,
    commit: gitCommit(src),
    source: src,
    addedAt: new Date().toISOString(),
  };
  writeFileSync(
    join(tmp, META),
    JSON.stringify({ commit: entry.commit, source: entry.source, addedAt: entry.addedAt }, null, 2),
  );
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return entry;
}

export function removeFromCache(cache: string, spec: string): boolean {
  const { owner, repo, ref } = parseRepoRef(spec);
  const dir = entryDir(cache, owner, repo, ref);
  if (!existsSync(dir)) return false;
  rmSync(dir, { recursive: true, force: true });
  return true;
}
