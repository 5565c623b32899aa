/**
 * Finding an installed tool version that satisfies a setup-* spec, the way setup-node and
 * setup-python read them: `20`, `20.x`, `3.11.4`, `^18`, `>=18 <21`, `lts/*`, `latest`.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { delimiter, join } from "node:path";

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

const cmp = (a: V, b: V) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

function comparator(c: string, v: V): boolean {
  const m = /^(>=|<=|>|<|=|\^|~)?\s*v?([\dxX*]+(?:\.[\dxX*]+){0,2})$/.exec(c.trim());
  if (!m) return false;
  const parts = m[2].split(".");
  const wild = parts.findIndex((p) => /^[xX*]$/.test(p));
  const given = (wild < 0 ? parts : parts.slice(0, wild)).map(Number);
  const base: V = [given[0] ?? 0, given[1] ?? 0, given[2] ?? 0];
  switch (m[1]) {
    case ">=":
      return cmp(v, base) >= 0;
    case ">":
      return cmp(v, base) > 0;
    case "<=":
      return cmp(v, base) <= 0;
    case "<":
      return cmp(v, base) < 0;
    case "^":
      return cmp(v, base) >= 0 && v[0] === base[0];
    case "~":
      return cmp(v, base) >= 0 && v[0] === base[0] && v[1] === base[1];
    default:
      // `20`, `20.x`, `3.11`: every given part must match.
      return given.every((n, i) => v[i] === n);
  }
}

/** Whether version `v` satisfies `spec` (space-separated comparators all hold; `||` alternatives). */
export function satisfies(version: string, spec: string): boolean {
  const v = parseVersion(version);
  if (!v) return false;
  const s = spec.trim();
  if (["latest", "current", "node", "*", "x", ""].includes(s.toLowerCase())) return true;
  if (/^lts\//i.test(s)) return v[0] % 2 === 0;
  return s.split("||").some((alt) => alt.trim().split(/\s+/).every((c) => comparator(c, v)));
}

/** The highest installed version that satisfies `spec`. */
export function pick(installed: Installed[], spec: string): Installed | undefined {
  return installed.filter((i) => satisfies(i.version, spec)).sort((a, b) => cmp(parseVersion(b.version)!, parseVersion(a.version)!))[0];
}

/**
 * Runs `exe ...args` and reads a version (the first x.y.z) and, on the next line, the real
 * executable it reports — so a version manager's shim (pyenv, volta) is replaced by the
 * interpreter it would start.
 */
export async function probe(exe: string, args: string[]): Promise<{ version: string; real: string } | undefined> {
  // Asynchronous: a runner serves every SSE stream from the event loop this would block.
  const r = await new Promise<{ ok: boolean; stdout: string; stderr: string }>((done) => execFile(exe, args, { encoding: "utf8", timeout: 5000 }, (err, stdout, stderr) => done({ ok: !err, stdout, stderr })));
  if (!r.ok) return undefined;
  const out = `${r.stdout}\n${r.stderr}`;
  const version = /(\d+\.\d+\.\d+)/.exec(out)?.[1];
  if (!version) return undefined;
  const real = out.split("\n").map((l) => l.trim()).find((l) => l.startsWith("/") && existsSync(l));
  return { version, real: real ?? exe };
}

/** Executables named `name` in the PATH's folders. */
export function onPath(pathValue: string, names: string[]): string[] {
  const out: string[] = [];
  for (const dir of pathValue.split(delimiter).filter(Boolean)) for (const n of names) if (existsSync(join(dir, n))) out.push(join(dir, n));
  return out;
}

/** Sub-folders of `root` (version managers keep one per version). */
export function subdirs(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(root, d.name));
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
export function distinctRoots<T>(candidates: (readonly [string, string])[], read: (root: string, from: string) => T | undefined): T[] {
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
