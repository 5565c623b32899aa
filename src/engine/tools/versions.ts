/**
 * Finding an installed tool version that satisfies a setup-* spec, the way setup-node and
 * setup-python read them: `20`, `20.x`, `3.11.4`, `^18`, `>=18 <21`, `lts/*`, `latest`.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { delimiter, join } from "node:path";
// Only the functions used, not the package's index: the bundle ships what is imported.
import clean from "semver/functions/clean.js";
import major from "semver/functions/major.js";
import prerelease from "semver/functions/prerelease.js";
import rcompare from "semver/functions/rcompare.js";
import satisfiesRange from "semver/functions/satisfies.js";
import valid from "semver/functions/valid.js";
import validRange from "semver/ranges/valid.js";

export interface Installed {
  version: string;
  /** The folder holding the executable. */
  bin: string;
  exe: string;
  from: string;
}

type V = [number, number, number];

export function parseVersion(v: string): V | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : undefined;
}

/**
 * `v` as semver reads it: a full version as it is (a prerelease kept, so ranges treat it as the
 * actions do), a short one (`1.21`, Go's older releases) filled with zeros.
 */
function asSemver(version: string): string | undefined {
  const full = valid(clean(version, { loose: true }) ?? "");
  if (full) return full;
  const v = parseVersion(version);
  return v ? v.join(".") : undefined;
}

/**
 * Whether version `v` satisfies `spec`, by the `semver` package as setup-node, setup-python,
 * setup-java and setup-go use it (`~1`, `^0.2.3`, `1.2.3 - 2.3.4`, `||`, `20`, `20.x`; a
 * prerelease only for a range naming that version's prerelease). The aliases semver does not
 * parse are the actions' own: `latest`/`current`/`node` take any version, `lts/*` an even major.
 */
export function satisfies(version: string, spec: string): boolean {
  const v = asSemver(version);
  if (!v) return false;
  const s = spec.trim();
  if (["latest", "current", "node", "*", "x", ""].includes(s.toLowerCase())) return !prerelease(v);
  if (/^lts\//i.test(s)) return major(v) % 2 === 0 && !prerelease(v);
  const range = validRange(s, { loose: true });
  return range !== null && satisfiesRange(v, range, { loose: true });
}

/** The highest installed version that satisfies `spec`. */
export function pick(installed: Installed[], spec: string): Installed | undefined {
  return installed
    .filter((i) => satisfies(i.version, spec))
    .sort((a, b) => rcompare(asSemver(a.version)!, asSemver(b.version)!))[0];
}

/**
 * Runs `exe ...args` and reads a version (the first x.y.z) and, on the next line, the real
 * executable it reports — so a version manager's shim (pyenv, volta) is replaced by the
 * interpreter it would start.
 */
export async function probe(exe: string, args: string[]): Promise<{ version: string; real: string } | undefined> {
  // Asynchronous: a runner serves every SSE stream from the event loop this would block.
  const r = await new Promise<{ ok: boolean; stdout: string; stderr: string }>((done) =>
    execFile(exe, args, { encoding: "utf8", timeout: 5000 }, (err, stdout, stderr) =>
      done({ ok: !err, stdout, stderr }),
    ),
  );
  if (!r.ok) return undefined;
  const out = `${r.stdout}\n${r.stderr}`;
  const version = /(\d+\.\d+\.\d+)/.exec(out)?.[1];
  if (!version) return undefined;
  const real = out
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l.startsWith("/") && existsSync(l));
  return { version, real: real ?? exe };
}

/** Executables named `name` in the PATH's folders. */
export function onPath(pathValue: string, names: string[]): string[] {
  const out: string[] = [];
  for (const dir of pathValue.split(delimiter).filter(Boolean))
    for (const n of names) if (existsSync(join(dir, n))) out.push(join(dir, n));
  return out;
}

/** Sub-folders of `root` (version managers keep one per version). */
export function subdirs(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => join(root, d.name));
  } catch {
    return [];
  }
}

/** The real path of `p` (links resolved), or `p` itself when it cannot be resolved. */
export function realOf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** The text of a tool root's marker file (a JDK's `release`, Go's `VERSION`) when `bin/<exe>` is there too. */
export function rootFile(root: string, exe: string, file: string): string | undefined {
  if (!existsSync(join(root, "bin", exe))) return undefined;
  try {
    return readFileSync(join(root, file), "utf8");
  } catch {
    return undefined;
  }
}

/** What `read` makes of each candidate root (`[folder, where it was found]`), once per real folder. */
export function distinctRoots<T>(
  candidates: (readonly [string, string])[],
  read: (root: string, from: string) => T | undefined,
): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const [dir, from] of candidates) {
    const real = realOf(dir);
    if (seen.has(real)) continue;
    seen.add(real);
    const found = read(real, from);
    if (found) out.push(found);
  }
  return out;
}
