import { existsSync, readFileSync } from "node:fs";
import { basename, delimiter, dirname, join, resolve } from "node:path";
import type { Shim } from "./index.js";
import { onPath, pick, probe, subdirs, type Installed } from "./versions.js";

/** Node installations on this machine: the PATH's, then the usual version managers'. */
function installedNodes(pathValue: string, home: string): Installed[] {
  const out: Installed[] = [];
  for (const exe of onPath(pathValue, ["node"])) {
    const p = probe(exe, ["-e", "console.log(process.version); console.log(process.execPath)"]);
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

/** `node-version-file`: .nvmrc / .node-version / .tool-versions, or package.json's volta / engines. */
function versionFromFile(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8");
  if (file.endsWith(".json")) {
    const pkg = JSON.parse(text) as { volta?: { node?: string }; engines?: { node?: string } };
    return pkg.volta?.node ?? pkg.engines?.node;
  }
  const tool = /^nodejs\s+(\S+)/m.exec(text);
  return tool ? tool[1] : text.trim().split(/\s+/)[0];
}

const CACHE_DIRS: Record<string, (home: string) => string> = {
  npm: (h) => join(h, ".npm"),
  pnpm: (h) => join(h, ".local", "share", "pnpm", "store"),
  yarn: (h) => join(h, ".cache", "yarn"),
};

/**
 * `actions/setup-node`: uses a Node already on this machine (the PATH, nvm, volta, fnm, asdf,
 * nodenv, n) that satisfies `node-version`, puts it first on the PATH and sets `node-version`.
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
        scope.log(`##[error]The specified node version file at: ${resolve(workspace, w["node-version-file"])} does not exist or names no version`);
        return { result: "failure" };
      }
      spec = v;
    }
    scope.log(`stax: using the built-in actions/setup-node (requested ${ref.ref}): a Node installed on this machine, no download`);
    const installed = installedNodes([...rt.path, rt.run.hostEnv.PATH ?? ""].join(delimiter), home);
    const found = spec ? pick(installed, spec) : installed[0];
    if (!found) {
      const have = [...new Set(installed.map((i) => `${i.version} (${i.from})`))].join(", ") || "none";
      scope.log(`##[error]No Node matching '${spec}' is installed on this machine (found: ${have}). Install it (e.g. nvm install ${spec}) or change node-version.`);
      return { result: "failure" };
    }
    rt.path = [found.bin, ...rt.path.filter((p) => p !== found.bin)];
    scope.log(`Found Node v${found.version} at ${found.exe}${spec ? ` for '${spec}'` : ""}`);
    const outputs: Record<string, string> = { "node-version": `v${found.version}` };
    const pm = (w.cache ?? "").trim();
    if (pm) {
      const dir = CACHE_DIRS[pm]?.(home);
      if (!dir) {
        scope.log(`##[error]Caching for '${pm}' is not supported`);
        return { result: "failure" };
      }
      outputs["cache-hit"] = String(existsSync(dir));
      scope.log(`stax: cache '${pm}' is this machine's own ${pm} cache (${dir}); it persists between runs`);
    }
    return { result: "success", effects: { outputs, state: {} } };
  },
};
