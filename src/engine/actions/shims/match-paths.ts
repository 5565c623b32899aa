import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { basename, isAbsolute, join, resolve, sep } from "node:path";
import { globRule, worthEntering, type GlobRule } from "../../../expressions/index.js";

export interface MatchOptions {
  workspace: string;
  /** What `~` stands for. */
  home: string;
  /**
   * `files` (upload-artifact): the files, links followed. `entries` (actions/cache, whose archive
   * keeps folders and links as they are): files, folders and links, links not followed.
   */
  list: "files" | "entries";
  /** Whether files and folders named `.…` below a matched folder count (upload-artifact's `include-hidden-files`). */
  hidden?: boolean;
}

interface Pattern {
  exclude: boolean;
  /** Where matching starts: the pattern's leading segments without wildcards. */
  root: string;
  rule: GlobRule;
}

/**
 * The paths a `path:` input names, resolved as `@actions/glob` resolves them for upload-artifact
 * and actions/cache: one pattern per line (`#` starts a comment), relative to the workspace or
 * absolute, `~` for the home folder; `*`, `?`, `[…]` and `**`; a pattern naming a folder names
 * what is below it too; the last pattern matching a path decides, so `!pattern` removes earlier
 * matches. Absolute paths, sorted.
 */
export async function matchPaths(spec: string, o: MatchOptions): Promise<string[]> {
  const patterns = spec
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((line) => parse(line, o));
  const rules = patterns.map((p) => p.rule);
  const found = new Set<string>();
  for (const p of patterns) {
    if (p.exclude || !(await lstat(p.root).catch(() => undefined))) continue;
    const walk = { hidden: o.hidden ?? true, follow: o.list === "files" };
    for (const f of await entriesUnder(p.root, rules, walk)) if (p.rule.matches(f)) found.add(f);
  }
  return [...found].filter((f) => patterns.reduce((keep, p) => (p.rule.matches(f) ? !p.exclude : keep), false)).sort();
}

function parse(line: string, o: MatchOptions): Pattern {
  const exclude = line.startsWith("!");
  const body = (exclude ? line.slice(1) : line).trim().replace(/^~(?=\/|$)/, o.home);
  const abs = isAbsolute(body) ? resolve(body) : resolve(o.workspace, body);
  const parts = abs.split(sep);
  const wild = parts.findIndex((s) => /[*?[]/.test(s));
  const root = wild < 0 ? abs : parts.slice(0, wild).join(sep) || sep;
  return { exclude, root, rule: globRule(abs, exclude) };
}

/**
 * `path` and what is below it: following links, the files (each real folder entered once on the
 * way down, so a link cycle ends); else every entry, folders and links (not entered) included.
 * A folder no rule can reach below is listed but not entered. Asynchronous: a runner serves its
 * streams from the thread this would otherwise hold.
 */
async function entriesUnder(
  path: string,
  rules: GlobRule[],
  o: { hidden: boolean; follow: boolean },
): Promise<string[]> {
  const out: string[] = [];
  const follow = o.follow;
  const visit = async (p: string, ancestors: Set<string>): Promise<void> => {
    if (!o.hidden && p !== path && basename(p).startsWith(".")) return;
    const st = await (follow ? stat : lstat)(p).catch(() => undefined);
    if (!st) return;
    if (!st.isDirectory()) {
      out.push(p);
      return;
    }
    if (!follow) out.push(p);
    if (!worthEntering(rules, p)) return;
    const real = follow ? await realpath(p) : p;
    if (ancestors.has(real)) return;
    const names = await readdir(p).catch(() => [] as string[]);
    for (const name of names) await visit(join(p, name), new Set(ancestors).add(real));
  };
  await visit(path, new Set());
  return out;
}
