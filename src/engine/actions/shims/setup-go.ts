import { existsSync, readFileSync } from "node:fs";
import { basename, delimiter, dirname, join, resolve } from "node:path";
import type { Shim } from "./index.js";
import {
  distinctRoots,
  onPath,
  parseVersion,
  pick,
  realOf,
  rootFile,
  subdirs,
  type Installed,
} from "../../tools/versions.js";
import { failStep } from "../../steps/run-process.js";

/** A Go root's version from its `VERSION` file (`go1.22.5`); undefined when it is not a Go root. */
function readGoRoot(root: string, from: string): Installed | undefined {
  const m = /^go(\d+(?:\.\d+){0,2})/.exec((rootFile(root, "go", "VERSION") ?? "").trim());
  return m ? { version: m[1], bin: join(root, "bin"), exe: join(root, "bin", "go"), from } : undefined;
}

/**
 * Go installations on this machine: GOROOT, the `go` on the PATH, /usr/local/go, Debian's
 * /usr/lib/go-*, `golang.org/dl`'s ~/sdk/go*, goenv's, asdf's and a hosted runner's tool cache.
 * One entry per real folder.
 */
function installedGos(env: Record<string, string | undefined>, pathValue: string): Installed[] {
  const home = env.HOME ?? "";
  const candidates: [string, string][] = [];
  if (env.GOROOT) candidates.push([env.GOROOT, "GOROOT"]);
  for (const exe of onPath(pathValue, ["go"])) candidates.push([dirname(dirname(realOf(exe))), "PATH"]);
  candidates.push(["/usr/local/go", "/usr/local/go"]);
  for (const d of subdirs("/usr/lib").filter((d) => /^go-\d/.test(basename(d)))) candidates.push([d, "/usr/lib"]);
  for (const d of subdirs(join(home, "sdk")).filter((d) => /^go\d/.test(basename(d))))
    candidates.push([d, join(home, "sdk")]);
  for (const d of subdirs(join(home, ".goenv", "versions"))) candidates.push([d, "goenv"]);
  for (const d of subdirs(join(home, ".asdf", "installs", "golang"))) candidates.push([join(d, "go"), "asdf"]);
  for (const d of subdirs("/opt/hostedtoolcache/go")) candidates.push([join(d, "x64"), "/opt/hostedtoolcache/go"]);
  return distinctRoots(candidates, readGoRoot);
}

/** The version a `go.mod` (its `toolchain goX.Y.Z`, else its `go X.Y` line), `go.work` or `.go-version` names. */
function versionFromFile(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8");
  if (/\.(mod|work)$/.test(file))
    return /^toolchain\s+go(\d+(?:\.\d+)*)/m.exec(text)?.[1] ?? /^go\s+(\d+(?:\.\d+)*)/m.exec(text)?.[1];
  return /(\d+(?:\.\d+)*)/.exec(text.trim().split(/\s+/)[0] ?? "")?.[1];
}

/** `stable`: the newest minor installed; `oldstable`: the newest before it. Other specs as they are. */
function aliasOf(spec: string, installed: Installed[]): string {
  const s = spec.toLowerCase();
  if (s !== "stable" && s !== "oldstable") return spec;
  const minors: string[] = [];
  for (const v of installed.map((i) => parseVersion(i.version)!).sort((a, b) => b[0] - a[0] || b[1] - a[1])) {
    if (!minors.includes(`${v[0]}.${v[1]}`)) minors.push(`${v[0]}.${v[1]}`);
  }
  return (s === "stable" ? minors[0] : minors[1]) ?? spec;
}

/**
 * `actions/setup-go`: a Go installed on this machine that satisfies `go-version` (or
 * `go-version-file`; `stable` and `oldstable` among those installed), its `bin` and GOPATH's
 * first on the PATH; outputs `go-version`. Its cache is this machine's own module and build
 * caches, which persist between runs.
 */
export const setupGo: Shim = {
  action: "actions/setup-go",
  async run({ scope, with: w, ref }) {
    const rt = scope.rt;
    const env = rt.run.hostEnv;
    let spec = (w["go-version"] ?? "").trim();
    if (!spec && w["go-version-file"]) {
      const file = resolve(rt.workspace, w["go-version-file"]);
      const v = versionFromFile(file);
      if (!v) return failStep(scope, `The specified go version file at: ${file} does not exist or names no version`);
      spec = v;
    }
    scope.log(
      `stax: using the built-in actions/setup-go (requested ${ref.ref}): a Go installed on this machine, no download`,
    );
    const installed = installedGos(env, [...rt.state.path, env.PATH ?? ""].join(delimiter));
    const wanted = spec ? aliasOf(spec, installed) : "";
    const found = wanted ? pick(installed, wanted) : installed[0];
    if (!found) {
      const have = [...new Set(installed.map((i) => i.version))].join(", ") || "none";
      return failStep(
        scope,
        `No Go matching '${spec}' is installed on this machine (found: ${have}). Install it (e.g. go install golang.org/dl/go${spec}@latest) or change go-version.`,
      );
    }
    scope.log(`Found Go ${found.version} in ${found.from} at ${dirname(found.bin)}${spec ? ` for '${spec}'` : ""}`);
    const gopath = env.GOPATH || join(env.HOME ?? "", "go");
    if (!/^false$/i.test(w.cache ?? "true"))
      scope.log(
        `stax: the Go module and build caches are this machine's own (${join(gopath, "pkg", "mod")}); they persist between runs`,
      );
    return {
      result: "success",
      effects: { outputs: { "go-version": found.version, "cache-hit": "false" }, state: {} },
      changes: { env: {}, path: [found.bin, join(gopath, "bin")] },
    };
  },
};
