/**
 * Packages from the npm registry, fetched with the `npm` on this machine so its registry, proxy
 * and auth settings apply, each checked against the integrity the registry gives and unpacked
 * into a tool cache entry that is complete only once its `.complete` marker is written.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { mkdir, mkdtemp, rename, rm, stat } from "node:fs/promises";
import { delimiter, dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** stax's own environment for its own npm calls: the registry, proxy and auth npm is set up with here. */
export function npmEnv(machineEnv: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(machineEnv).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Why the registry could not be used, for the user. */
export class RegistryError extends Error {}

/**
 * Runs `npm` with `args` and parses its `--json` output. Retries are kept short: a registry
 * that refuses should fail the step in seconds, not minutes.
 */
export async function npmJson(args: string[], env: Record<string, string>, cwd: string): Promise<unknown> {
  try {
    const { stdout } = await run(
      "npm",
      [
        ...args,
        "--json",
        "--fetch-retries=1",
        "--fetch-retry-mintimeout=500",
        "--fetch-retry-maxtimeout=2000",
        "--fetch-timeout=60000",
      ],
      { env, cwd, maxBuffer: 64 * 1024 * 1024, timeout: 10 * 60_000 },
    );
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
    detail ||=
      (e.stderr ?? e.message)
        .split("\n")
        .find((l) => /npm (error|ERR!)/.test(l))
        ?.replace(/^npm (error|ERR!)\s*/, "") ?? e.message;
    throw new RegistryError(detail);
  }
}

/** Every published version of `name`. */
export async function publishedVersions(name: string, env: Record<string, string>, cwd: string): Promise<string[]> {
  const v = await npmJson(["view", name, "versions"], env, cwd);
  if (!Array.isArray(v)) throw new RegistryError(`the registry did not list the versions of ${name}`);
  return v.map(String);
}

const sha512 = (file: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const h = createHash("sha512");
    createReadStream(file)
      .on("data", (c) => h.update(c))
      .on("error", reject)
      .on("end", () => resolve(`sha512-${h.digest("base64")}`));
  });

/** Downloads in flight in this process, by destination: legs that ask for one version at once share one. */
const inflight = new Map<string, Promise<void>>();

/** A lock folder older than this was left by a process that died mid-download. */
const STALE_LOCK_MS = 15 * 60_000;

/**
 * Downloads `spec` (`name@version`) into the tool cache folder `dest`, once: an entry with its
 * `<dest>.complete` marker is reused, and concurrent calls for one `dest` are one download — in
 * this process by sharing its promise, across processes (a runner and a worker on one STAX_HOME)
 * by a `<dest>.lock` folder the others wait on. The tarball is checked against the registry's
 * sha512 integrity, and must hold `expect` (a path inside the package).
 */
export function fetchPackage(
  spec: string,
  dest: string,
  expect: string,
  env: Record<string, string>,
  log: (line: string) => void,
): Promise<void> {
  if (existsSync(`${dest}.complete`)) return Promise.resolve();
  const running = inflight.get(dest);
  if (running) {
    log(`${spec} is being downloaded for another job; waiting for it`);
    return running;
  }
  const p = lockedFetch(spec, dest, expect, env, log).finally(() => inflight.delete(dest));
  inflight.set(dest, p);
  return p;
}

async function lockedFetch(
  spec: string,
  dest: string,
  expect: string,
  env: Record<string, string>,
  log: (line: string) => void,
): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const lock = `${dest}.lock`;
  for (let told = false; ;) {
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const age = await stat(lock).then(
      (st) => Date.now() - st.mtimeMs,
      () => 0,
    );
    if (age > STALE_LOCK_MS) {
      await rm(lock, { recursive: true, force: true });
      continue;
    }
    if (!told) log(`${spec} is being downloaded by another stax process; waiting for it`);
    told = true;
    await new Promise((r) => setTimeout(r, 250));
    if (existsSync(`${dest}.complete`)) return;
  }
  try {
    if (!existsSync(`${dest}.complete`)) await download(spec, dest, expect, env, log);
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function download(
  spec: string,
  dest: string,
  expect: string,
  env: Record<string, string>,
  log: (line: string) => void,
): Promise<void> {
  const tmp = await mkdtemp(join(dirname(dest), ".download-"));
  try {
    const integrity = await npmJson(["view", spec, "dist.integrity"], env, tmp);
    if (typeof integrity !== "string" || !integrity.startsWith("sha512-"))
      throw new RegistryError(`the registry gives no sha512 integrity for ${spec}`);
    log(`Downloading ${spec} from the npm registry`);
    const packed = (await npmJson(["pack", spec, "--pack-destination", tmp], env, tmp)) as { filename?: string }[];
    const file = join(tmp, packed?.[0]?.filename ?? "");
    if (!packed?.[0]?.filename || !existsSync(file)) throw new RegistryError(`npm pack ${spec} produced no tarball`);
    const got = await sha512(file);
    if (got !== integrity)
      throw new RegistryError(
        `${spec}: integrity mismatch (registry ${integrity.slice(0, 20)}…, download ${got.slice(0, 20)}…)`,
      );
    log(`Verified ${spec} (${integrity.slice(0, 20)}…)`);
    const unpacked = join(tmp, "unpacked");
    await mkdir(unpacked);
    await run("tar", ["-xzf", file, "-C", unpacked, "--strip-components=1"]);
    if (!existsSync(join(unpacked, expect))) throw new RegistryError(`${spec} holds no ${expect}`);
    await rm(dest, { recursive: true, force: true });
    await rename(unpacked, dest);
    // The marker comes last, as in GitHub's tool cache: an entry without it is never used.
    writeFileSync(`${dest}.complete`, "");
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

const machineConfigs = new Map<string, Promise<Record<string, string>>>();

/** A file by its real path and modification time, to tell when it changed; "-" when there is none. */
function stamp(file: string | undefined): string {
  if (!file) return "-";
  try {
    return `${realpathSync(file)}@${statSync(file).mtimeMs}`;
  } catch {
    return "-";
  }
}

/** The first `name` on `path`. */
function onPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? "").split(delimiter)) if (dir && existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

/**
 * npm's machine-wide configuration (`globalconfig`) as the machine's own npm finds it, for the
 * steps: a Node of the tool cache (or a job's own npm prefix) would otherwise make npm look for
 * it under that prefix and miss the machine's registry, CA and proxy settings. Nothing when npm is
 * missing or the variable is set already. Asking npm costs ~200 ms of CPU, so the answer is kept
 * in `cacheDir` (the tool cache) for as long as what decides it stays the same: the variables npm
 * reads for it, the npm and node the PATH finds, and the user's npmrc (which may set `prefix`).
 */
export function machineNpmConfig(
  machineEnv: Record<string, string | undefined>,
  cacheDir?: string,
): Promise<Record<string, string>> {
  if (Object.keys(machineEnv).some((k) => /^npm_config_globalconfig$/i.test(k))) return Promise.resolve({});
  const vars = ["PATH", "HOME", "PREFIX", "npm_config_prefix", "npm_config_userconfig"].map((k) => machineEnv[k] ?? "");
  const key = vars.join("\0");
  const known = machineConfigs.get(key);
  if (known) return known;
  const userrc = machineEnv.npm_config_userconfig ?? (machineEnv.HOME ? join(machineEnv.HOME, ".npmrc") : undefined);
  const fingerprint = [
    key,
    stamp(onPath("npm", machineEnv.PATH)),
    stamp(onPath("node", machineEnv.PATH)),
    stamp(userrc),
  ].join("\0");
  const file = cacheDir && join(cacheDir, "machine-npm.json");
  const kept = file && readKept(file, fingerprint);
  const found = kept
    ? Promise.resolve(kept)
    : run("npm", ["config", "get", "globalconfig"], { env: npmEnv(machineEnv), cwd: "/", timeout: 60_000 }).then(
        ({ stdout }): Record<string, string> => {
          const answer: Record<string, string> = stdout.trim().startsWith("/")
            ? { npm_config_globalconfig: stdout.trim() }
            : {};
          if (file) writeKept(file, fingerprint, answer);
          return answer;
        },
        (): Record<string, string> => ({}),
      );
  machineConfigs.set(key, found);
  return found;
}

function readKept(file: string, fingerprint: string): Record<string, string> | undefined {
  try {
    const kept = JSON.parse(readFileSync(file, "utf8")) as { fingerprint?: string; env?: Record<string, string> };
    return kept.fingerprint === fingerprint ? kept.env : undefined;
  } catch {
    return undefined;
  }
}

function writeKept(file: string, fingerprint: string, env: Record<string, string>): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify({ fingerprint, env }), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  } catch {
    // A tool cache that cannot be written is asked again next time.
  }
}
