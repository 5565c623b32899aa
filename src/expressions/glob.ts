/**
 * `@actions/glob`'s patterns, matched by picomatch, over one walk that prunes by pattern. The walk
 * is written once, as a generator that asks for folder listings, and driven either
 * asynchronously (the file system calls run on libuv's pool, not the runner's thread) or
 * synchronously where a caller cannot wait (an expression nothing could fetch ahead).
 */
import { readdirSync, realpathSync, statSync, type Dirent } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import picomatch from "picomatch";

// @actions/glob runs minimatch with dot, nobrace and noext: `*` takes dot files, `{a,b}` and `+(x)` are literal.
const OPTIONS = { dot: true, nobrace: true, noextglob: true } as const;

/** picomatch reads `[!x]` as the class of `!` and `x`; in a glob it is every character but `x`. */
const bracketNegation = (pattern: string): string => pattern.replace(/(^|[^\\])\[!/g, "$1[^");

export interface GlobRule {
  negate: boolean;
  /** Whether the pattern names `path`, or a folder above it (a folder stands for what is below it). */
  matches(path: string): boolean;
  /** Whether some path below the folder `dir` could match: a walk need not enter it otherwise. */
  reaches(dir: string): boolean;
}

/** One `/`-separated pattern, relative or absolute, as `@actions/glob` reads it. */
export function globRule(pattern: string, negate = false): GlobRule {
  const body = bracketNegation(pattern);
  const whole = picomatch([body, `${body}/**`], OPTIONS);
  const segments = body
    .split("/")
    .map((s) =>
      s === "**" ? undefined : picomatch.scan(s).isGlob ? picomatch(s, OPTIONS) : (name: string) => name === s,
    );
  return {
    negate,
    matches: (path) => whole(path),
    reaches: (dir) => {
      const parts = dir.split("/");
      for (let i = 0; i < parts.length; i++) {
        if (i >= segments.length) return true;
        const segment = segments[i];
        if (segment === undefined) return true;
        if (!segment(parts[i])) return false;
      }
      return true;
    },
  };
}

/** The last rule matching `path` decides; none matching leaves it out. */
export function decides(rules: GlobRule[], path: string): boolean {
  let keep = false;
  for (const r of rules) if (r.matches(path)) keep = !r.negate;
  return keep;
}

/**
 * Whether a walk must enter `dir`: some include rule could match below it, and no exclude rule
 * after that include names the whole folder (`!**\/node_modules/**` prunes node_modules).
 */
export function worthEntering(rules: GlobRule[], dir: string): boolean {
  for (let i = rules.length - 1; i >= 0; i--) {
    const r = rules[i];
    if (!r.negate && r.reaches(dir)) return true;
    if (r.negate && r.matches(dir)) return false;
  }
  return false;
}

/** A listed entry: a file (or a link to one), or a folder to enter (a link to one only when links are followed). */
interface Entry {
  name: string;
  dir: boolean;
  /** A folder's real path when links are followed: each real folder is entered once on the way down, so a link cycle ends. */
  real?: string;
}

/** Files below `root` the rules keep, relative with `/`, in walk order (names sorted in each folder). `.git` is never entered. */
function* walk(root: string, rootReal: string, rules: GlobRule[]): Generator<string, string[], Entry[]> {
  const out: string[] = [];
  function* visit(dir: string, rel: string, ancestors: Set<string>): Generator<string, void, Entry[]> {
    const entries = yield dir;
    for (const e of entries) {
      if (e.name === ".git") continue;
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (!e.dir) {
        if (decides(rules, path)) out.push(path);
      } else if (worthEntering(rules, path) && !(e.real && ancestors.has(e.real))) {
        yield* visit(join(dir, e.name), path, e.real ? new Set(ancestors).add(e.real) : ancestors);
      }
    }
  }
  yield* visit(root, "", new Set([rootReal]));
  return out;
}

const byName = (a: Dirent, b: Dirent): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Reads one folder's entries; a link is looked through (stat) only to know what it points at. */
function classify(
  dirents: Dirent[],
  linkTarget: (name: string) => { dir: boolean; real?: string } | undefined,
  real: (name: string) => string | undefined,
): Entry[] {
  const out: Entry[] = [];
  for (const d of dirents.sort(byName)) {
    if (d.isDirectory()) out.push({ name: d.name, dir: true, real: real(d.name) });
    else if (d.isFile()) out.push({ name: d.name, dir: false });
    else if (d.isSymbolicLink()) {
      const t = linkTarget(d.name);
      if (t) out.push({ name: d.name, ...t });
    }
  }
  return out;
}

function listSync(dir: string, follow: boolean): Entry[] {
  let dirents: Dirent[];
  try {
    dirents = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const realOf = (name: string) => (follow ? tryOr(() => realpathSync(join(dir, name))) : undefined);
  return classify(
    dirents,
    (name) => {
      const st = tryOr(() => statSync(join(dir, name), { throwIfNoEntry: false }));
      if (st?.isFile()) return { dir: false };
      return st?.isDirectory() && follow ? { dir: true, real: realOf(name) } : undefined;
    },
    realOf,
  );
}

async function listAsync(dir: string, follow: boolean): Promise<Entry[]> {
  let dirents: Dirent[];
  try {
    dirents = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  // Links and (when following) real paths are looked up first, then classified without waiting.
  const links = new Map<string, { dir: boolean; real?: string } | undefined>();
  const reals = new Map<string, string | undefined>();
  for (const d of dirents) {
    const p = join(dir, d.name);
    if (d.isSymbolicLink()) {
      const st = await stat(p).catch(() => undefined);
      links.set(
        d.name,
        st?.isFile()
          ? { dir: false }
          : st?.isDirectory() && follow
            ? { dir: true, real: await realpath(p).catch(() => undefined) }
            : undefined,
      );
    } else if (d.isDirectory() && follow) reals.set(d.name, await realpath(p).catch(() => undefined));
  }
  return classify(
    dirents,
    (name) => links.get(name),
    (name) => reals.get(name),
  );
}

function tryOr<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/**
 * The rules of hashFiles-style patterns: relative to `root` (absolute ones inside it made
 * relative), `!` excludes, `#` comments, the last matching pattern decides.
 */
function rulesOf(root: string, patterns: string[]): GlobRule[] {
  return patterns
    .map((p) => p.trim())
    .filter((p) => p && !p.startsWith("#"))
    .map((p) => {
      const negate = p.startsWith("!");
      let body = negate ? p.slice(1) : p;
      if (body.startsWith(root + "/")) body = body.slice(root.length + 1);
      body = body.replace(/^\.\//, "").replace(/\/$/, "");
      return globRule(body, negate);
    });
}

/** Files under `root` matched by the patterns, relative with `/`, sorted; links to folders entered only when `followSymlinks`. */
export async function globFilesAsync(root: string, patterns: string[], followSymlinks = true): Promise<string[]> {
  const rules = rulesOf(root, patterns);
  if (!rules.some((r) => !r.negate)) return [];
  const g = walk(root, followSymlinks ? await realpath(root).catch(() => root) : root, rules);
  let step = g.next();
  while (!step.done) step = g.next(await listAsync(step.value, followSymlinks));
  return step.value;
}

/** The same walk, synchronous: for an expression evaluated where nothing was fetched ahead. */
export function globFiles(root: string, patterns: string[], followSymlinks = true): string[] {
  const rules = rulesOf(root, patterns);
  if (!rules.some((r) => !r.negate)) return [];
  const g = walk(root, followSymlinks ? (tryOr(() => realpathSync(root)) ?? root) : root, rules);
  let step = g.next();
  while (!step.done) step = g.next(listSync(step.value, followSymlinks));
  return step.value;
}
