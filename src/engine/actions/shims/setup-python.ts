import { existsSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { basename, delimiter, dirname, join, resolve } from "node:path";
import { readFileSync } from "node:fs";
import type { Shim } from "./index.js";
import { onPath, pick, probe, subdirs, type Installed } from "../../tools/versions.js";
import { failStep } from "../../steps/run-process.js";

/** Pythons on this machine: `python3.X`, `python3`, `python` on the PATH, then pyenv's and asdf's. */
async function installedPythons(pathValue: string, home: string): Promise<Installed[]> {
  const names = ["python3", "python", ...Array.from({ length: 15 }, (_, i) => `python3.${i + 6}`)];
  const out: Installed[] = [];
  const seen = new Set<string>();
  for (const exe of onPath(pathValue, names)) {
    const p = await probe(exe, ["-c", "import platform, sys; print(platform.python_version()); print(sys.executable)"]);
    if (!p || seen.has(p.real)) continue;
    seen.add(p.real);
    out.push({ version: p.version, bin: dirname(p.real), exe: p.real, from: "PATH" });
  }
  for (const root of [join(home, ".pyenv", "versions"), join(home, ".asdf", "installs", "python")]) {
    for (const d of subdirs(root)) {
      const exe = join(d, "bin", "python");
      if (existsSync(exe)) out.push({ version: basename(d), bin: join(d, "bin"), exe, from: root });
    }
  }
  return out;
}

/**
 * `actions/setup-python`: a Python installed on this machine that satisfies `python-version`,
 * reachable as `python` and `python3` first on the PATH; outputs `python-version` and `python-path`.
 */
export const setupPython: Shim = {
  action: "actions/setup-python",
  async run({ scope, with: w, ref }) {
    const rt = scope.rt;
    let spec = (w["python-version"] ?? "").trim();
    if (!spec && w["python-version-file"]) {
      const file = resolve(rt.workspace, w["python-version-file"]);
      spec = existsSync(file) ? readFileSync(file, "utf8").trim().split(/\s+/)[0] : "";
    }
    scope.log(
      `stax: using the built-in actions/setup-python (requested ${ref.ref}): a Python installed on this machine, no download`,
    );
    const installed = await installedPythons(
      [...rt.state.path, rt.run.hostEnv.PATH ?? ""].join(delimiter),
      rt.run.hostEnv.HOME ?? "",
    );
    const found = spec ? pick(installed, spec.replace(/^(\d+\.\d+)-dev$/, "$1")) : installed[0];
    if (!found) {
      const have = [...new Set(installed.map((i) => i.version))].join(", ") || "none";
      return failStep(
        scope,
        `No Python matching '${spec}' is installed on this machine (found: ${have}). Install it (e.g. pyenv install ${spec}) or change python-version.`,
      );
    }
    // `python` and `python3` must both be this one, whatever the folder calls it.
    const shimDir = join(rt.temp, "_stax_tools", `python-${found.version}`);
    rmSync(shimDir, { recursive: true, force: true });
    mkdirSync(shimDir, { recursive: true });
    for (const n of ["python", "python3"]) symlinkSync(found.exe, join(shimDir, n));
    const [maj, min] = found.version.split(".");
    for (const pip of [`pip${maj}.${min}`, "pip3", "pip"]) {
      if (existsSync(join(found.bin, pip))) {
        for (const n of ["pip", "pip3"])
          if (!existsSync(join(shimDir, n))) symlinkSync(join(found.bin, pip), join(shimDir, n));
      }
    }
    scope.log(`Found Python ${found.version} at ${found.exe}${spec ? ` for '${spec}'` : ""}`);
    return {
      result: "success",
      effects: { outputs: { "python-version": found.version, "python-path": found.exe }, state: {} },
      changes: { env: { pythonLocation: dirname(found.bin) }, path: [shimDir] },
    };
  },
};
