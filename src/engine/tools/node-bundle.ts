/**
 * Completes a tool-cache Node into what an official release unpacks to: npm and npx (and
 * corepack where the release had it) under `<root>/lib/node_modules/`, linked from `<root>/bin`
 * as the release links them, so `npm` on a leg's PATH is that Node's own npm and not the
 * machine's (npm 11 refuses to run on Node 14).
 */
import { chmodSync, existsSync, readFileSync, symlinkSync } from "node:fs";
import { join, relative } from "node:path";
import { errorMessage } from "../../contract/index.js";
import { newestFor, shippedNpmMajor, shipsCorepack, type Manifest } from "./node-companions.js";
import { fetchPackage, npmJson, publishedVersions, RegistryError } from "./registry.js";

/** `npm view <spec> --json`: one manifest, or a list when the range matches several versions. */
async function manifests(spec: string, env: Record<string, string>, cwd: string): Promise<Manifest[]> {
  const got = await npmJson(["view", spec], env, cwd);
  const list = Array.isArray(got) ? got : got ? [got] : [];
  return list.filter((m): m is Manifest => !!m && typeof (m as Manifest).version === "string");
}

/**
 * The version of `name` for Node `node`: the newest of `major` (when given) whose `engines.node`
 * accepts the Node, else the newest of the newest major that has one.
 */
async function versionFor(
  name: string,
  node: string,
  major: number | undefined,
  env: Record<string, string>,
  cwd: string,
): Promise<string> {
  if (major !== undefined) {
    const v = newestFor(await manifests(`${name}@${major}`, env, cwd), node);
    if (v) return v;
    throw new RegistryError(`no ${name} ${major}.x accepts Node ${node}`);
  }
  const majors = [
    ...new Set(
      (await publishedVersions(name, env, cwd))
        .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
        .map((v) => Number(v.split(".")[0])),
    ),
  ].sort((a, b) => b - a);
  for (const m of majors) {
    const v = newestFor(await manifests(`${name}@${m}`, env, cwd), node);
    if (v) return v;
  }
  throw new RegistryError(`no published ${name} accepts Node ${node}`);
}

/**
 * `<root>/bin/<name>` → the package's bin entry for each of `names`, relative as in a release;
 * chmod as npm would on install. Only those a release links: corepack's package also lists
 * `yarn` and `pnpm` shims, which a release leaves to `corepack enable`.
 */
function linkBins(root: string, pkgDir: string, names: string[]): void {
  let bin: unknown;
  try {
    bin = (JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { bin?: unknown }).bin;
  } catch {
    return;
  }
  for (const [name, target] of Object.entries(bin && typeof bin === "object" ? bin : {}).filter(([n]) =>
    names.includes(n),
  )) {
    const file = join(pkgDir, String(target));
    const link = join(root, "bin", name);
    if (!existsSync(file) || existsSync(link)) continue;
    chmodSync(file, 0o755);
    try {
      symlinkSync(relative(join(root, "bin"), file), link);
    } catch (err) {
      // Another leg linked it a moment ago.
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
}

async function companion(
  name: string,
  node: string,
  major: number | undefined,
  root: string,
  env: Record<string, string>,
  log: (line: string) => void,
): Promise<string> {
  const dir = join(root, "lib", "node_modules", name);
  if (!existsSync(`${dir}.complete`)) {
    const version = await versionFor(name, node, major, env, root);
    await fetchPackage(`${name}@${version}`, dir, "package.json", env, log);
  }
  linkBins(root, dir, name === "npm" ? ["npm", "npx"] : [name]);
  return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
}

/**
 * Gives the tool-cache Node `version` at `root` its npm (and corepack when the release had it),
 * fetched once and kept with it. Returns a warning when one could not be had: the Node is still
 * usable, with the npm on the machine's PATH.
 */
export async function completeNode(
  version: string,
  root: string,
  env: Record<string, string>,
  log: (line: string) => void,
): Promise<string | undefined> {
  const missing: string[] = [];
  const major = shippedNpmMajor(version);
  try {
    const npm = await companion("npm", version, major, root, env, log);
    log(
      `npm ${npm} beside Node ${version} (${major === undefined ? "the newest npm that accepts it" : `npm ${major}, as Node ${version} shipped`})`,
    );
  } catch (err) {
    missing.push(`npm (${errorMessage(err)})`);
  }
  if (shipsCorepack(version)) {
    try {
      await companion("corepack", version, undefined, root, env, log);
    } catch (err) {
      missing.push(`corepack (${errorMessage(err)})`);
    }
  }
  return missing.length
    ? `Node ${version} from the tool cache has no ${missing.join(" and no ")}; steps use the machine's`
    : undefined;
}
