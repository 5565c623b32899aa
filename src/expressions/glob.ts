import { lstatSync, readdirSync, realpathSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

/**
 * `@actions/glob`-style patterns: `*` any characters but `/`, `**` any depth, `?` one character,
 * `[abc]` classes; a pattern naming a directory matches everything below it.
 */
export function globToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") {
          i++;
          re += "(?:.*/)?";
        } else re += ".*";
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i);
      if (end < 0) re += "\\[";
      else {
        re += pattern.slice(i, end + 1);
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}(?:/.*)?$`);
}

const SKIP = new Set([".git"]);

const realOf = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

/**
 * Files under `dir`, sorted. Following symbolic links, a linked folder is entered (once per real
 * folder on the way down, so a link cycle ends); not following, as `@actions/glob` without
 * `followSymbolicLinks`, a linked folder is not entered while a linked file is still listed.
 */
function walk(root: string, dir: string, out: string[], follow: boolean, ancestors = new Set<string>()): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  names.sort();
  for (const name of names) {
    if (SKIP.has(name)) continue;
    const p = join(dir, name);
    let st;
    try {
      st = (follow ? statSync : lstatSync)(p, { throwIfNoEntry: false });
      if (st?.isSymbolicLink()) st = statSync(p, { throwIfNoEntry: false })?.isFile() ? st : undefined;
    } catch {
      continue;
    }
    if (!st) continue;
    if (st.isDirectory()) {
      const real = follow ? realOf(p) : p;
      if (ancestors.has(real)) continue;
      walk(root, p, out, follow, new Set(ancestors).add(real));
    } else if (st.isFile() || st.isSymbolicLink()) out.push(relative(root, p).split(sep).join("/"));
  }
}

/**
 * Files under `root` matched by the patterns in order; a later `!pattern` removes earlier
 * matches. Patterns are relative to `root` (absolute ones inside it are made relative).
 * Returns relative paths with `/`, sorted.
 */
export function globFiles(root: string, patterns: string[], followSymlinks = true): string[] {
  const rules = patterns
    .map((p) => p.trim())
    .filter((p) => p && !p.startsWith("#"))
    .map((p) => {
      const negate = p.startsWith("!");
      let body = negate ? p.slice(1) : p;
      if (body.startsWith(root + "/")) body = body.slice(root.length + 1);
      body = body.replace(/^\.\//, "").replace(/\/$/, "");
      return { negate, re: globToRegExp(body) };
    });
  if (!rules.some((r) => !r.negate)) return [];
  const files: string[] = [];
  walk(root, root, files, followSymlinks, new Set([followSymlinks ? realOf(root) : root]));
  return files.filter((f) => {
    let keep = false;
    for (const r of rules) if (r.re.test(f)) keep = !r.negate;
    return keep;
  });
}
