/**
 * `actions/cache`, `actions/cache/restore`, `actions/cache/save` on this machine: entries live
 * under the run's cache folder (in the workspace's data folder under STAX_HOME), one folder per
 * key. Restore matches the exact key, then each `restore-keys` prefix (newest entry first);
 * `actions/cache` saves in a post step, only when the job succeeded and the key was not hit.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { globFiles } from "../../expressions/index.js";
import type { ProcessOutcome } from "../run-process.js";
import type { StepScope } from "../scope.js";
import { staticStepName } from "../step-names.js";
import type { Shim, ShimCall } from "./index.js";

interface Meta {
  key: string;
  createdAt: string;
  files: number;
}

const lines = (s: string | undefined) => (s ?? "").split("\n").map((l) => l.trim()).filter(Boolean);
const entryName = (key: string) => encodeURIComponent(key).replace(/\./g, "%2E").slice(0, 200);

/** Absolute paths of the files `path:` names (globs, folders, `~`, `!` excludes). */
function matchFiles(workspace: string, home: string, spec: string): string[] {
  const files = new Set<string>();
  const excludes: string[] = [];
  for (let p of lines(spec)) {
    const neg = p.startsWith("!");
    if (neg) p = p.slice(1);
    p = p.replace(/^~(?=\/|$)/, home);
    const abs = isAbsolute(p) ? p : resolve(workspace, p);
    if (neg) {
      excludes.push(abs);
      continue;
    }
    if (existsSync(abs) && statSync(abs).isDirectory()) for (const f of globFiles(abs, ["**"])) files.add(join(abs, f));
    else if (existsSync(abs)) files.add(abs);
    else {
      const base = abs.split(sep).findIndex((part) => /[*?[{]/.test(part));
      const root = base > 0 ? abs.split(sep).slice(0, base).join(sep) || sep : dirname(abs);
      if (existsSync(root)) for (const f of globFiles(root, [relative(root, abs)])) files.add(join(root, f));
    }
  }
  return [...files].filter((f) => !excludes.some((x) => f === x || f.startsWith(x + sep)));
}

/** Where a file goes inside an entry: under the workspace, the home, or its absolute path. */
function slot(file: string, workspace: string, home: string): string {
  if (!relative(workspace, file).startsWith("..")) return join("workspace", relative(workspace, file));
  if (home && !relative(home, file).startsWith("..")) return join("home", relative(home, file));
  return join("root", file);
}

function unslot(rel: string, workspace: string, home: string): string {
  const [kind, ...rest] = rel.split(sep);
  const tail = rest.join(sep);
  return kind === "workspace" ? join(workspace, tail) : kind === "home" ? join(home, tail) : join(sep, tail);
}

function find(root: string, key: string, restoreKeys: string[]): { key: string; dir: string } | undefined {
  const exact = join(root, entryName(key));
  if (existsSync(join(exact, "meta.json"))) return { key, dir: exact };
  if (!existsSync(root)) return undefined;
  const metas = readdirSync(root)
    .map((n) => join(root, n))
    .filter((d) => existsSync(join(d, "meta.json")))
    .map((dir) => ({ dir, meta: JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as Meta }))
    .sort((a, b) => b.meta.createdAt.localeCompare(a.meta.createdAt));
  for (const prefix of restoreKeys) {
    const hit = metas.find((m) => m.meta.key.startsWith(prefix));
    if (hit) return { key: hit.meta.key, dir: hit.dir };
  }
  return undefined;
}

function restore(dir: string, workspace: string, home: string): number {
  const files = join(dir, "files");
  let n = 0;
  for (const rel of existsSync(files) ? globFiles(files, ["**"]) : []) {
    const target = unslot(rel, workspace, home);
    mkdirSync(dirname(target), { recursive: true });
    cpSync(join(files, rel), target);
    n++;
  }
  return n;
}

function save(root: string, key: string, pathSpec: string, scope: StepScope, log: (l: string) => void): boolean {
  const workspace = scope.rt.workspace;
  const home = scope.rt.run.hostEnv.HOME ?? "";
  const dir = join(root, entryName(key));
  if (existsSync(join(dir, "meta.json"))) {
    log(`Cache already exists for key '${key}'; not saving again.`);
    return true;
  }
  const files = matchFiles(workspace, home, pathSpec);
  if (files.length === 0) {
    log(`##[warning]Path Validation Error: Path(s) specified in the action for caching do(es) not exist, hence no cache is being saved.`);
    return true;
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  for (const f of files) {
    const target = join(tmp, "files", slot(f, workspace, home));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(f, target);
  }
  writeFileSync(join(tmp, "meta.json"), JSON.stringify({ key, createdAt: new Date().toISOString(), files: files.length } satisfies Meta));
  mkdirSync(root, { recursive: true });
  renameSync(tmp, dir);
  log(`Cache saved with key: ${key} (${files.length} file(s))`);
  return true;
}

function noStore(scope: StepScope): ProcessOutcome {
  scope.log("##[error]actions/cache needs a cache folder; this run has none");
  return { result: "failure" };
}

function doRestore(call: ShimCall, name: string): ProcessOutcome & { hit?: boolean } {
  const { scope, with: w } = call;
  const root = scope.rt.run.opts.cacheDir;
  if (!root) return noStore(scope);
  const key = (w.key ?? "").trim();
  if (!key) {
    scope.log("##[error]Input required and not supplied: key");
    return { result: "failure" };
  }
  scope.log(`stax: using the built-in ${name} (requested ${call.ref.ref}); entries are kept on this machine`);
  const found = find(root, key, lines(w["restore-keys"]));
  const outputs: Record<string, string> = { "cache-primary-key": key };
  if (!found) {
    scope.log(`Cache not found for input keys: ${[key, ...lines(w["restore-keys"])].join(", ")}`);
    if ((w["fail-on-cache-miss"] ?? "").toLowerCase() === "true") {
      scope.log(`##[error]Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: ${key}`);
      return { result: "failure" };
    }
    outputs["cache-hit"] = "false";
    return { result: "success", effects: { outputs, state: {} }, hit: false };
  }
  const hit = found.key === key;
  outputs["cache-hit"] = String(hit);
  outputs["cache-matched-key"] = found.key;
  if ((w["lookup-only"] ?? "").toLowerCase() === "true") scope.log(`Cache found (lookup only) for key: ${found.key}`);
  else scope.log(`Cache restored from key: ${found.key} (${restore(found.dir, scope.rt.workspace, scope.rt.run.hostEnv.HOME ?? "")} file(s))`);
  return { result: "success", effects: { outputs, state: {} }, hit };
}

export const cache: Shim = {
  action: "actions/cache",
  async run(call) {
    const restored = doRestore(call, "actions/cache");
    if (restored.result !== "success") return restored;
    const { scope, with: w } = call;
    const rt = scope.rt;
    const key = w.key.trim();
    if (!restored.hit && (w["lookup-only"] ?? "").toLowerCase() !== "true") {
      // The real action's post step: `post-if: success()` — the job must still be succeeding.
      scope.post.push({
        name: `Post ${staticStepName(call.def)}`,
        condition: () => rt.status === "success",
        run: async (log) => (save(rt.run.opts.cacheDir!, key, w.path ?? "", scope, log) ? "success" : "failure"),
      });
    }
    return { result: restored.result, effects: restored.effects };
  },
};

export const cacheRestore: Shim = { action: "actions/cache", path: "restore", run: async (call) => doRestore(call, "actions/cache/restore") };

export const cacheSave: Shim = {
  action: "actions/cache",
  path: "save",
  async run(call) {
    const { scope, with: w } = call;
    const root = scope.rt.run.opts.cacheDir;
    if (!root) return noStore(scope);
    if (!(w.key ?? "").trim()) {
      scope.log("##[error]Input required and not supplied: key");
      return { result: "failure" };
    }
    scope.log(`stax: using the built-in actions/cache/save (requested ${call.ref.ref})`);
    save(root, w.key.trim(), w.path ?? "", scope, scope.log);
    return { result: "success", effects: { outputs: {}, state: {} } };
  },
};
