import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { parse } from "yaml";
import type { Shim } from "./index.js";
import { providePnpm } from "../../tools/pnpm-tool.js";
import { npmEnv } from "../../tools/registry.js";
import { stepPath } from "../../steps/step-env.js";
import { failStep, runProcess, type ProcessOutcome } from "../../steps/run-process.js";

/** One `pnpm install` that `run_install` asks for. */
interface Install {
  args?: string[];
  cwd?: string;
  recursive?: boolean;
}

/** `run_install`: `true`, or one or a list of `{ args, cwd, recursive }` (YAML); none for `false`/`null`/empty. */
function installsOf(value: string | undefined): Install[] | string {
  const text = (value ?? "").trim();
  if (!text || /^(false|null)$/i.test(text)) return [];
  if (/^true$/i.test(text)) return [{}];
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (err) {
    return `run_install is not YAML: ${(err as Error).message}`;
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const ok = list.every(
    (i) =>
      i &&
      typeof i === "object" &&
      (i.args === undefined || (Array.isArray(i.args) && i.args.every((a: unknown) => typeof a === "string"))) &&
      (i.cwd === undefined || typeof i.cwd === "string"),
  );
  return ok
    ? (list as Install[])
    : "run_install must be true, false, or objects with args (a list of strings), cwd and recursive";
}

/** The pnpm version `packageManager` names in a package.json (`pnpm@9.1.0+sha512…`), if any. */
function fromPackageJson(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const pm = (JSON.parse(readFileSync(file, "utf8")) as { packageManager?: unknown }).packageManager;
    return typeof pm === "string" ? /^pnpm@(\d[^+]*)/.exec(pm)?.[1] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `pnpm/action-setup`: pnpm of `version` (or the package.json's `packageManager`), one on this
 * machine or fetched from the npm registry into the tool cache, first on the PATH, with a
 * `PNPM_HOME` of the run's own; `run_install` runs `pnpm install` as the action does.
 */
export const pnpmSetup: Shim = {
  action: "pnpm/action-setup",
  async run({ scope, def, with: w, env, ref }) {
    const rt = scope.rt;
    const packageJson = resolve(rt.workspace, w.package_json_file || "package.json");
    const wanted = (w.version ?? "").trim();
    const declared = fromPackageJson(packageJson);
    if (wanted && declared && wanted !== declared) {
      return failStep(
        scope,
        `Multiple versions of pnpm specified: version ${wanted} in the workflow, version ${declared} in the packageManager field of ${packageJson}. Remove one of them.`,
      );
    }
    const spec = wanted || declared;
    if (!spec)
      return failStep(
        scope,
        `No pnpm version is specified: give 'version' or a packageManager field in ${packageJson}`,
      );
    const installs = installsOf(w.run_install);
    if (typeof installs === "string") return failStep(scope, installs);
    const toolCache = rt.services.toolCache;
    scope.log(
      `stax: using the built-in pnpm/action-setup (requested ${ref.ref}): a pnpm on this machine${toolCache ? ", else the pnpm package from the npm registry" : ""}`,
    );
    const pathValue = stepPath(rt, env);
    const found = await providePnpm(spec, {
      pathValue,
      toolCache,
      env: npmEnv(rt.services.machineEnv),
      cwd: rt.temp,
      log: scope.log,
    });
    if (!found.ok) return failStep(scope, found.error);
    const pnpm = found.value;
    scope.log(`Found pnpm ${pnpm.version} in ${pnpm.from} at ${pnpm.exe} for '${spec}'`);
    const home = join(rt.temp, "_stax_tools", "pnpm-home");
    mkdirSync(home, { recursive: true });
    const changes = { env: { PNPM_HOME: home }, path: [home, pnpm.bin] };
    const done: ProcessOutcome = {
      result: "success",
      effects: { outputs: { dest: home, bin_dest: pnpm.bin }, state: {} },
      changes,
    };
    // Each install as a process of this step, with the new pnpm first on its PATH.
    const installEnv = { ...env, PNPM_HOME: home, PATH: [home, pnpm.bin, pathValue].join(delimiter) };
    for (const i of installs) {
      const args = [...(i.recursive ? ["recursive"] : []), "install", ...(i.args ?? [])];
      scope.log(`Running pnpm ${args.join(" ")}${i.cwd ? ` in ${i.cwd}` : ""}`);
      const command = pnpm.script ? rt.run.nodePath : pnpm.exe;
      const ran = await runProcess(scope, def.id, installEnv, {
        command,
        args: pnpm.script ? [pnpm.script, ...args] : args,
        cwd: resolve(rt.workspace, i.cwd ?? "."),
      });
      if (ran.result !== "success") return { ...ran, changes };
    }
    return done;
  },
};
