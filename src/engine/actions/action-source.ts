/**
 * Where a remote `uses:` comes from, in order: a local override (`--action owner/repo@ref=DIR`,
 * like act's `--local-repository`), the action cache, then a fetch when the network allows.
 * Built-in shims are checked before this, by the caller.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { entryDir, findCached } from "./action-cache.js";
import type { ActionSources } from "../options.js";
import type { Result } from "../../contract/index.js";

/** Where a repository was found: its folder, and which source gave it. */
export interface Located {
  dir: string;
  via: "override" | "cache" | "fetch";
}

function override(src: ActionSources, owner: string, repo: string, ref: string): string | undefined {
  const want = [`${owner}/${repo}@${ref}`, `${owner}/${repo}`].map((k) => k.toLowerCase());
  for (const [k, dir] of Object.entries(src.overrides ?? {})) if (want.includes(k.toLowerCase())) return resolve(dir);
  return undefined;
}

/** The root folder of repository `owner/repo` at `ref`, or the lines that explain the miss. */
export async function locateRepo(
  src: ActionSources | undefined,
  owner: string,
  repo: string,
  ref: string,
  what: string,
): Promise<Result<Located, string[]>> {
  const o = src && override(src, owner, repo, ref);
  if (o)
    return existsSync(o)
      ? { ok: true, value: { dir: o, via: "override" } }
      : { ok: false, error: [`${what} '${owner}/${repo}@${ref}' is overridden with ${o}, which does not exist`] };
  const cached = src?.cache ? findCached(src.cache, owner, repo, ref) : undefined;
  if (cached) return { ok: true, value: { dir: cached, via: "cache" } };
  let fetchError: string | undefined;
  if (src?.fetch) {
    const got = await src.fetch(owner, repo, ref);
    if (got.ok) return { ok: true, value: { dir: got.value, via: "fetch" } };
    fetchError = got.error;
  }
  const where = src?.cache ? entryDir(src.cache, owner, repo, ref) : "the action cache (STAX_ACTIONS_CACHE)";
  return {
    ok: false,
    error: [
      `${what} '${owner}/${repo}@${ref}' is not available offline: it is not built in and not in the action cache (${where})${fetchError ? `, and fetching it failed: ${fetchError}` : ""}.`,
      `Fill the cache from a checkout with: stax actions add ${owner}/${repo}@${ref} <dir>   (or, online: stax actions pull ${owner}/${repo}@${ref})`,
    ],
  };
}
