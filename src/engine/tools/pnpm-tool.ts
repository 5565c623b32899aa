/**
 * pnpm for `pnpm/action-setup`: one already on this machine (the PATH, or the stax tool cache),
 * else the `pnpm` package from the npm registry into the tool cache
 * (`<toolCache>/pnpm/<version>/pkg`, with a `bin` folder of `pnpm` and `pnpx` that start it with
 * the `node` on the PATH).
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { errorMessage, type Result } from "../../contract/index.js";
import { fetchPackage, publishedVersions } from "./registry.js";
import { onPath, pick, probe, subdirs, type Installed } from "./versions.js";

export interface PnpmSources {
  /** The PATH the step would see. */
  pathValue: string;
  /** `$STAX_HOME/tools`; absent: nothing is fetched. */
  toolCache?: string;
  /** The environment `npm` runs with (its registry, proxy and auth settings). */
  env: Record<string, string>;
  /** A folder for npm to run in. */
  cwd: string;
  log: (line: string) => void;
}

/** A pnpm of the tool cache or the PATH; `script` is its entry point (`bin/pnpm.cjs`) when stax has it. */
export type Pnpm = Installed & { script?: string };

/** The pnpms of the tool cache, complete ones only. */
function cachedPnpms(toolCache: string): Pnpm[] {
  return subdirs(join(toolCache, "pnpm"))
    .filter((d) => existsSync(join(d, "pkg.complete")) && existsSync(join(d, "bin", "pnpm")))
    .map((d) => ({
      version: basename(d),
      bin: join(d, "bin"),
      exe: join(d, "bin", "pnpm"),
      script: join(d, "pkg", "bin", "pnpm.cjs"),
      from: "the stax tool cache",
    }));
}

/** `pnpm` and `pnpx` that run the package's entry point with the `node` on the PATH. */
function writeBins(root: string): void {
  mkdirSync(join(root, "bin"), { recursive: true });
  for (const [name, entry] of [
    ["pnpm", "pnpm.cjs"],
    ["pnpx", "pnpx.cjs"],
  ]) {
    writeFileSync(join(root, "bin", name), `#!/bin/sh\nexec node "${join(root, "pkg", "bin", entry)}" "$@"\n`);
    chmodSync(join(root, "bin", name), 0o755);
  }
}

/**
 * The pnpm `spec` asks for (a version or range): a local one that matches, else the newest
 * published one that does, fetched into the tool cache.
 */
export async function providePnpm(spec: string, o: PnpmSources): Promise<Result<Pnpm>> {
  const onThePath: Pnpm[] = [];
  for (const exe of onPath(o.pathValue, ["pnpm"])) {
    const p = await probe(exe, ["--version"]);
    if (p) onThePath.push({ version: p.version, bin: dirname(exe), exe, from: "PATH" });
  }
  const local = [...(o.toolCache ? cachedPnpms(o.toolCache) : []), ...onThePath];
  // An exact version (a pre-release like 10.14.0-0 included) is that version; a range picks among releases.
  const found = local.find((p) => p.version === spec) ?? pick(local, spec);
  if (found) return { ok: true, value: found };
  const have = local.map((p) => `${p.version} (${p.from})`).join(", ") || "none";
  if (!o.toolCache) return { ok: false, error: `No pnpm matching '${spec}' is on this machine (found: ${have})` };
  try {
    const published = await publishedVersions("pnpm", o.env, o.cwd);
    // Any published version by its exact name, as the action installs it; a range picks among
    // releases only (`pick` reads a pre-release such as 10.0.0-rc.1 as its release).
    const releases = published.filter((v) => /^\d+\.\d+\.\d+$/.test(v));
    const version = published.includes(spec)
      ? spec
      : pick(
          releases.map((v) => ({ version: v, bin: "", exe: "", from: "" })),
          spec,
        )?.version;
    if (!version) return { ok: false, error: `No published pnpm matches '${spec}' (on this machine: ${have})` };
    const root = join(o.toolCache, "pnpm", version);
    await fetchPackage(`pnpm@${version}`, join(root, "pkg"), "bin/pnpm.cjs", o.env, o.log);
    writeBins(root);
    return {
      ok: true,
      value: {
        version,
        bin: join(root, "bin"),
        exe: join(root, "bin", "pnpm"),
        script: join(root, "pkg", "bin", "pnpm.cjs"),
        from: "the npm registry, now in the stax tool cache",
      },
    };
  } catch (err) {
    return {
      ok: false,
      error: `No pnpm matching '${spec}' is on this machine (found: ${have}) and the npm registry could not give one (${errorMessage(err)})`,
    };
  }
}
