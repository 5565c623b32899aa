import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { basename, delimiter, dirname, join, resolve } from "node:path";
import { provideNode } from "../../tools/node-tool.js";
import { npmEnv } from "../../tools/registry.js";
import type { Shim } from "./index.js";
import { onPath, probe, subdirs, type Installed } from "../../tools/versions.js";
import { failStep } from "../../steps/run-process.js";
import { jobCorepackDir } from "../../steps/step-env.js";

/**
 * `corepack enable` puts its yarn and pnpm shims beside the `corepack` it finds on the PATH: a
 * link to the chosen Node's corepack in a folder of the job's (on the PATH before the Node's)
 * makes that the place, not the Node's own folder in the tool cache that later runs share.
 */
function corepackInJob(nodeBin: string, dir: string | undefined): void {
  if (!dir) return;
  const link = join(dir, "corepack");
  rmSync(link, { force: true });
  if (!existsSync(join(nodeBin, "corepack"))) return;
  mkdirSync(dir, { recursive: true });
  symlinkSync(join(nodeBin, "corepack"), link);
}

/** Node installations on this machine: the PATH's, then the usual version managers'. */
async function installedNodes(pathValue: string, home: string): Promise<Installed[]> {
  const out: Installed[] = [];
  for (const exe of onPath(pathValue, ["node"])) {
    const p = await probe(exe, ["-e", "console.log(process.version); console.log(process.execPath)"]);
    if (p) out.push({ version: p.version, bin: dirname(p.real), exe: p.real, from: "PATH" });
  }
  const managers: [string, (d: string) => string][] = [
    [join(home, ".nvm", "versions", "node"), (d) => join(d, "bin")],
    [join(home, ".volta", "tools", "image", "node"), (d) => join(d, "bin")],
    [join(home, ".local", "share", "fnm", "node-versions"), (d) => join(d, "installation", "bin")],
    [join(home, ".fnm", "node-versions"), (d) => join(d, "installation", "bin")],
    [join(home, ".asdf", "installs", "nodejs"), (d) => join(d, "bin")],
    [join(home, ".nodenv", "versions"), (d) => join(d, "bin")],
    ["/usr/local/n/versions/node", (d) => join(d, "bin")],
  ];
  for (const [root, bin] of managers) {
    for (const d of subdirs(root)) {
      const exe = join(bin(d), "node");
      if (existsSync(exe)) out.push({ version: basename(d).replace(/^v/, ""), bin: bin(d), exe, from: root });
    }
  }
  return out;
}

/**
 * `node-version-file` as setup-node reads it: package.json's `volta.node`, else `engines.node`;
 * `.tool-versions`' `nodejs` line; else (`.nvmrc`, `.node-version`) the first line that is not a
 * comment, without a leading `v` — `lts/*`, `node` and ranges included.
 */
export function versionFromFile(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8");
  if (file.endsWith(".json")) {
    try {
      const pkg = JSON.parse(text) as { volta?: { node?: string }; engines?: { node?: string } };
      return pkg.volta?.node ?? pkg.engines?.node;
    } catch {
      return undefined;
    }
  }
  const tool = /^\s*nodejs\s+(\S+)/m.exec(text);
  if (tool) return tool[1];
  const line = text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, "").trim())
    .find(Boolean);
  return line?.replace(/^v(?=\d)/, "");
}

const CACHE_DIRS: Record<string, (home: string) => string> = {
  npm: (h) => join(h, ".npm"),
  pnpm: (h) => join(h, ".local", "share", "pnpm", "store"),
  yarn: (h) => join(h, ".cache", "yarn"),
};

/**
 * `actions/setup-node`: resolves `node-version` (or `node-version-file`) as setup-node does and
 * uses a Node already on this machine (the PATH, nvm, volta, fnm, asdf, nodenv, n, or the stax
 * tool cache) when one matches, else fetches the official build from the npm registry into the
 * tool cache (tools/node-tool.ts); puts it first on the PATH and sets `node-version`.
 * `cache:` is the package manager's own cache on this machine (it persists between runs anyway).
 */
export const setupNode: Shim = {
  action: "actions/setup-node",
  async run({ scope, with: w, ref }) {
    const rt = scope.rt;
    const workspace = rt.workspace;
    const home = rt.run.hostEnv.HOME ?? "";
    let spec = w["node-version"] ?? "";
    if (!spec && w["node-version-file"]) {
      const v = versionFromFile(resolve(workspace, w["node-version-file"]));
      if (!v) {
        return failStep(
          scope,
          `The specified node version file at: ${resolve(workspace, w["node-version-file"])} does not exist or names no version`,
        );
      }
      spec = v;
    }
    const toolCache = rt.services.toolCache;
    scope.log(
      `stax: using the built-in actions/setup-node (requested ${ref.ref}): a Node on this machine${toolCache ? ", else the official build from the npm registry" : ""}`,
    );
    const installed = await installedNodes([...rt.state.path, rt.run.hostEnv.PATH ?? ""].join(delimiter), home);
    const checkLatest = /^true$/i.test(w["check-latest"] ?? "");
    // No version asked: the Node first on the PATH, as setup-node leaves it.
    const choice = spec
      ? await provideNode(spec, {
          installed,
          toolCache,
          env: npmEnv(rt.services.machineEnv),
          cwd: rt.temp,
          checkLatest,
          log: scope.log,
          now: rt.run.opts.now?.(),
        })
      : installed[0]
        ? { ok: true as const, value: installed[0] }
        : { ok: false as const, error: "No Node is installed on this machine" };
    if (!choice.ok) {
      return failStep(scope, choice.error);
    }
    const found = choice.value;
    corepackInJob(found.bin, jobCorepackDir(rt));
    // Its folder goes first on the PATH of the steps that follow, even when the `cache:` check below fails the step.
    const changes = { env: {}, path: [found.bin] };
    scope.log(`Found Node v${found.version} in ${found.from} at ${found.exe}${spec ? ` for '${spec}'` : ""}`);
    const outputs: Record<string, string> = { "node-version": `v${found.version}` };
    const pm = (w.cache ?? "").trim();
    if (pm) {
      const dir = CACHE_DIRS[pm]?.(home);
      if (!dir) {
        return { ...failStep(scope, `Caching for '${pm}' is not supported`), changes };
      }
      outputs["cache-hit"] = String(existsSync(dir));
      scope.log(`stax: cache '${pm}' is this machine's own ${pm} cache (${dir}); it persists between runs`);
    }
    return { result: "success", effects: { outputs, state: {} }, changes };
  },
};
