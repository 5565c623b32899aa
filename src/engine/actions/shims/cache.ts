/**
 * `actions/cache`, `actions/cache/restore`, `actions/cache/save` on this machine: entries live
 * under the run's cache folder (in the workspace's data folder under STAX_HOME), one folder per
 * key holding gzipped tar archives (cache-archive.ts). A restore that fails is a warning and a
 * miss, never a failed step, as on GitHub. Restore matches the exact key, then each `restore-keys` prefix (newest entry first);
 * `actions/cache` saves in a post step, only when the job succeeded and the key was not hit.
 * With many machines (`RunOptions.sharedCache`) entries are also shared through the store: a
 * restore brings the entry it would take into this folder first, a save shares what it saved.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { failStep, logDebug, type ProcessOutcome } from "../../steps/run-process.js";
import type { StepScope } from "../../steps/scope.js";
import { staticStepName } from "../../steps/step-names.js";
import { packEntry, unpackEntry, type Bases } from "./cache-archive.js";
import { matchPaths } from "./match-paths.js";
import { evictLocal, touchEntry } from "./cache-evict.js";
import type { Shim, ShimCall } from "./index.js";
import type { SharedCache } from "../../options.js";
import { errorMessage } from "../../../contract/index.js";

interface Meta {
  key: string;
  createdAt: string;
  files: number;
  /** Entries of earlier stax versions (plain copies) have none and are not used. */
  format?: "tar.gz";
}

const readMeta = (dir: string): Meta | undefined => {
  try {
    const m = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as Meta;
    return m.format === "tar.gz" ? m : undefined;
  } catch {
    return undefined;
  }
};

const lines = (s: string | undefined) =>
  (s ?? "")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
const entryName = (key: string) => encodeURIComponent(key).replace(/\./g, "%2E").slice(0, 200);

/** The entry a restore takes: the exact key, else the newest entry each `restore-keys` prefix matches, in order. */
function choose<T extends { meta: Meta }>(entries: T[], key: string, restoreKeys: string[]): T | undefined {
  const exact = entries.find((e) => e.meta.key === key);
  if (exact) return exact;
  const newest = [...entries].sort((a, b) => b.meta.createdAt.localeCompare(a.meta.createdAt));
  for (const prefix of restoreKeys) {
    const hit = newest.find((e) => e.meta.key.startsWith(prefix));
    if (hit) return hit;
  }
  return undefined;
}

function find(root: string, key: string, restoreKeys: string[]): { key: string; dir: string; meta: Meta } | undefined {
  const exact = join(root, entryName(key));
  const meta = readMeta(exact);
  if (meta) return { key, dir: exact, meta };
  if (!existsSync(root)) return undefined;
  const local = readdirSync(root)
    .map((n) => join(root, n))
    .map((dir) => ({ dir, meta: readMeta(dir) }))
    .filter((m): m is { dir: string; meta: Meta } => !!m.meta);
  const hit = choose(local, key, restoreKeys);
  return hit && { key: hit.meta.key, dir: hit.dir, meta: hit.meta };
}

/** The shared entries (many machines) by folder name, those of this format only. */
async function sharedEntries(shared: SharedCache): Promise<{ name: string; meta: Meta }[]> {
  return [...(await shared.entries())]
    .map(([name, m]) => ({ name, meta: m as Meta }))
    .filter((e) => e.meta?.format === "tar.gz" && typeof e.meta.key === "string");
}

/** With a shared cache, the entry a restore would take from it is brought into the local folder first. */
async function bringShared(scope: StepScope, root: string, key: string, restoreKeys: string[]): Promise<void> {
  const shared = scope.rt.services.sharedCache;
  if (!shared) return;
  try {
    const hit = choose(await sharedEntries(shared), key, restoreKeys);
    if (hit && !readMeta(join(root, hit.name))) await shared.fetch(root, hit.name);
  } catch (err) {
    scope.log(`##[warning]The shared cache did not answer; only this machine's entries are used: ${errorMessage(err)}`);
  }
}

const basesOf = (scope: StepScope): Bases => ({ workspace: scope.rt.workspace, home: scope.rt.run.hostEnv.HOME ?? "" });

async function save(
  root: string,
  key: string,
  pathSpec: string,
  scope: StepScope,
  log: (l: string) => void,
): Promise<void> {
  const bases = basesOf(scope);
  const dir = join(root, entryName(key));
  const shared = scope.rt.services.sharedCache;
  if (readMeta(dir) || (shared && (await sharedEntries(shared).catch(() => [])).some((e) => e.meta.key === key))) {
    log(`Cache already exists for key '${key}'; not saving again.`);
    return;
  }
  const paths = await matchPaths(pathSpec, { workspace: bases.workspace, home: bases.home, list: "entries" });
  if (paths.length === 0) {
    log(
      `##[warning]Path Validation Error: Path(s) specified in the action for caching do(es) not exist, hence no cache is being saved.`,
    );
    return;
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    const files = await packEntry(tmp, paths, bases);
    writeFileSync(
      join(tmp, "meta.json"),
      JSON.stringify({ key, createdAt: new Date().toISOString(), files, format: "tar.gz" } satisfies Meta),
    );
    mkdirSync(root, { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    await shared?.share(root, entryName(key));
    log(`Cache saved with key: ${key} (${files} file(s))`);
    await evict(scope, root, entryName(key), log);
  } catch (err) {
    // As on GitHub: a cache that cannot be saved warns; the job goes on.
    rmSync(tmp, { recursive: true, force: true });
    log(`##[warning]Failed to save: ${errorMessage(err)}`);
  }
}

/** After a save: the entries the limits (GitHub's unless `RunOptions.cacheLimits`) no longer allow go, here and in the shared store. */
async function evict(scope: StepScope, root: string, keep: string, log: (l: string) => void): Promise<void> {
  const limits = scope.rt.services.cacheLimits;
  const now = new Date();
  try {
    // An entry can go from this machine's folder and from the shared store: counted once.
    const gone = new Set([
      ...evictLocal(root, limits, keep, now),
      ...((await scope.rt.services.sharedCache?.evict(limits, keep, now)) ?? []),
    ]).size;
    const size =
      limits.maxBytes >= 1024 ** 3
        ? `${+(limits.maxBytes / 1024 ** 3).toFixed(1)} GiB`
        : `${+(limits.maxBytes / 1024 ** 2).toFixed(1)} MiB`;
    if (gone)
      log(
        `Removed ${gone} cache entr${gone === 1 ? "y" : "ies"} unused for ${limits.idleDays} days or beyond ${size} in all (least recently used first)`,
      );
  } catch (err) {
    log(`##[warning]Cache eviction failed: ${errorMessage(err)}`);
  }
}

function noStore(scope: StepScope): ProcessOutcome {
  return failStep(scope, "actions/cache needs a cache folder; this run has none");
}

async function doRestore(call: ShimCall, name: string): Promise<ProcessOutcome & { hit?: boolean }> {
  const { scope, with: w } = call;
  const root = scope.rt.services.cacheDir;
  if (!root) return noStore(scope);
  const key = (w.key ?? "").trim();
  if (!key) {
    return failStep(scope, "Input required and not supplied: key");
  }
  const shared = scope.rt.services.sharedCache;
  scope.log(
    `stax: using the built-in ${name} (requested ${call.ref.ref}); entries are kept ${shared ? "in the shared store" : "on this machine"}`,
  );
  await bringShared(scope, root, key, lines(w["restore-keys"]));
  const found = find(root, key, lines(w["restore-keys"]));
  const outputs: Record<string, string> = { "cache-primary-key": key };
  if (!found) {
    scope.log(`Cache not found for input keys: ${[key, ...lines(w["restore-keys"])].join(", ")}`);
    if ((w["fail-on-cache-miss"] ?? "").toLowerCase() === "true") {
      return failStep(scope, `Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: ${key}`);
    }
    outputs["cache-hit"] = "false";
    return { result: "success", effects: { outputs, state: {} }, hit: false };
  }
  const hit = found.key === key;
  if ((w["lookup-only"] ?? "").toLowerCase() === "true") scope.log(`Cache found (lookup only) for key: ${found.key}`);
  else {
    try {
      await unpackEntry(found.dir, basesOf(scope));
      scope.log(`Cache restored from key: ${found.key} (${found.meta.files} file(s))`);
      const now = new Date();
      touchEntry(found.dir, now);
      // Only the shared cache's eviction order depends on it; the restore itself succeeded.
      await shared
        ?.used(basename(found.dir), now)
        .catch((e: unknown) =>
          logDebug(
            scope.log,
            scope.rt.debug,
            `could not record the use of the shared cache entry ${basename(found.dir)}: ${errorMessage(e)}`,
          ),
        );
    } catch (err) {
      // GitHub's cache: a restore that fails is a warning and a miss; the step stays green.
      scope.log(`##[warning]Failed to restore: ${errorMessage(err)}`);
      outputs["cache-hit"] = "false";
      return { result: "success", effects: { outputs, state: {} }, hit: false };
    }
  }
  outputs["cache-hit"] = String(hit);
  outputs["cache-matched-key"] = found.key;
  return { result: "success", effects: { outputs, state: {} }, hit };
}

export const cache: Shim = {
  action: "actions/cache",
  async run(call) {
    const restored = await doRestore(call, "actions/cache");
    if (restored.result !== "success") return restored;
    const { scope, with: w } = call;
    const rt = scope.rt;
    const key = w.key.trim();
    if (!restored.hit && (w["lookup-only"] ?? "").toLowerCase() !== "true") {
      // The real action's post step: `post-if: success()` — the job must still be succeeding.
      scope.addPost({
        name: `Post ${staticStepName(call.def)}`,
        condition: () => rt.state.status === "success",
        run: async (log) => {
          await save(rt.services.cacheDir!, key, w.path ?? "", scope, log);
          return "success";
        },
      });
    }
    return { result: restored.result, effects: restored.effects };
  },
};

export const cacheRestore: Shim = {
  action: "actions/cache",
  path: "restore",
  run: async (call) => doRestore(call, "actions/cache/restore"),
};

export const cacheSave: Shim = {
  action: "actions/cache",
  path: "save",
  async run(call) {
    const { scope, with: w } = call;
    const root = scope.rt.services.cacheDir;
    if (!root) return noStore(scope);
    if (!(w.key ?? "").trim()) {
      return failStep(scope, "Input required and not supplied: key");
    }
    scope.log(`stax: using the built-in actions/cache/save (requested ${call.ref.ref})`);
    await save(root, w.key.trim(), w.path ?? "", scope, scope.log);
    return { result: "success", effects: { outputs: {}, state: {} } };
  },
};
