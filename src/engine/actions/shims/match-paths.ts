import { lstatSync, readdirSync, realpathSync, statSync } from "node:fs";
import { basename, isAbsolute, join, resolve, sep } from "node:path";
import { globRule, type GlobRule } from "../../../expressions/index.js";

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
export function matchPaths(spec: string, o: MatchOptions): string[] {
  const patterns = spec
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((line) => parse(line, o));
  const found = new Set<string>();
  for (const p of patterns) {
    if (p.exclude || !lstatSync(p.root, { throwIfNoEntry: false })) continue;
    const walk = { hidden: o.hidden ?? true, follow: o.list === "files" };
    for (const f of entriesUnder(p.root, walk)) if (p.rule.matches(f)) found.add(f);
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
 */
function entriesUnder(path: string, o: { hidden: boolean; follow: boolean }): string[] {
  const out: string[] = [];
  const follow = o.follow;
  const visit = (p: string, ancestors: Set<string>): void => {
    if (!o.hidden && p !== path && basename(p).startsWith(".")) return;
    const st = (follow ? statSync : lstatSync)(p, { throwIfNoEntry: false });
    if (!st) return;
    if (!st.isDirectory()) {
      out.push(p);
      return;
    }
    if (!follow) out.push(p);
    const real = follow ? realpathSync(p) : p;
    if (ancestors.has(real)) return;
    let names: string[] = [];
    try {
      names = readdirSync(p);
    } catch {
      return;
    }
    for (const name of names) visit(join(p, name), new Set(ancestors).add(real));
  };
  visit(path, new Set());
  return out;
}
