import { readdirSync, statSync } from "node:fs";
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

function walk(root: string, dir: string, out: string[], follow: boolean): void {
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
      st = statSync(p, { throwIfNoEntry: false });
    } catch {
      continue;
    }
    if (!st) continue;
    if (st.isDirectory()) walk(root, p, out, follow);
    else if (st.isFile()) out.push(relative(root, p).split(sep).join("/"));
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
  walk(root, root, files, followSymlinks);
  return files.filter((f) => {
    let keep = false;
    for (const r of rules) if (r.re.test(f)) keep = !r.negate;
    return keep;
  });
}
