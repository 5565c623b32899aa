/**
 * GitHub's filter patterns for `branches`, `tags` and `paths` (TRIG-04): `*` matches any
 * characters but `/`, `**` any characters (and `**` before a `/` also no folder at all, as
 * GitHub's documented `docs/**` + `/*.md` matches `docs/a.md`), `?` makes the previous
 * character optional, `+` repeats it, `[…]` is a class, `\` escapes, a leading `!` negates.
 */
const cache = new Map<string, RegExp>();

const SPECIAL = /[.^$|(){}\]]/;

/** The anchored regular expression of one pattern (without its leading `!`). */
export function patternRegExp(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\" && i + 1 < pattern.length) {
      re += escape(pattern[++i]);
    } else if (c === "*" && pattern[i + 1] === "*") {
      i++;
      // `**/` may also match no folder at all, as GitHub's `docs/**/*.md` matches docs/a.md.
      if (pattern[i + 1] === "/") {
        i++;
        re += "(?:.*/)?";
      } else re += ".*";
    } else if (c === "*") {
      re += "[^/]*";
    } else if (c === "?" || c === "+") {
      // Quantifiers of the previous character; at the start they are plain characters.
      re += re ? c : escape(c);
    } else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        re += `[${pattern.slice(i + 1, end).replace(/[\\\]]/g, "\\$&")}]`;
        i = end;
      }
    } else re += escape(c);
  }
  const out = new RegExp(`^${re}$`);
  cache.set(pattern, out);
  return out;
}

function escape(c: string): string {
  return SPECIAL.test(c) || c === "?" || c === "+" || c === "*" || c === "[" || c === "\\" ? `\\${c}` : c;
}

/**
 * Whether an ordered pattern list selects `value` (TRIG-04): each matching pattern decides in
 * turn, so a later `!pat` excludes what an earlier one included and a later positive one
 * includes it again.
 */
export function selects(patterns: readonly string[], value: string): boolean {
  let selected = false;
  for (const p of patterns) {
    const negated = p.startsWith("!");
    if (patternRegExp(negated ? p.slice(1) : p).test(value)) selected = !negated;
  }
  return selected;
}
