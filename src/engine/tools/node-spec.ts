/**
 * Resolving a setup-node `node-version` against a list of published versions, as
 * actions/setup-node does: exact versions, `16`, `16.x`, ranges, `latest` / `current` / `node`,
 * `lts/*`, `lts/-N` and `lts/<codename>`.
 */
import { parseVersion, satisfies } from "./versions.js";
import type { Result } from "../../contract/index.js";

/** LTS codenames by major (Node's release plan names each even line when it enters LTS). */
export const LTS_CODENAMES: Record<number, string> = { 4: "argon", 6: "boron", 8: "carbon", 10: "dubnium", 12: "erbium", 14: "fermium", 16: "gallium", 18: "hydrogen", 20: "iron", 22: "jod", 24: "krypton" };

/** Specs that name no version by themselves: they need the list of published versions. */
export function isAlias(spec: string): boolean {
  return /^(latest|current|node)$/i.test(spec.trim()) || /^lts\//i.test(spec.trim());
}

const major = (v: string): number => parseVersion(v)?.[0] ?? -1;
const release = (v: string): boolean => /^\d+\.\d+\.\d+$/.test(v);
const newestFirst = (a: string, b: string): number => {
  const x = parseVersion(a)!;
  const y = parseVersion(b)!;
  return y[0] - x[0] || y[1] - x[1] || y[2] - x[2];
};

/**
 * The LTS lines among `versions`, newest first. The registry's package carries no LTS flag, so
 * this follows Node's schedule: an even major (4 and up) enters LTS in the month the next major
 * is released — a line counts once a newer major is published, or when it has a codename here.
 */
export function ltsMajors(versions: string[]): number[] {
  const majors = [...new Set(versions.filter(release).map(major))].sort((a, b) => b - a);
  const newest = majors[0] ?? 0;
  return majors.filter((m) => m >= 4 && m % 2 === 0 && (m < newest || LTS_CODENAMES[m] !== undefined));
}

/**
 * The version `spec` selects from `versions` (setup-node's rules), or an error naming why none.
 * Pre-releases are never chosen.
 */
export function resolveNodeSpec(spec: string, versions: string[]): Result<string> {
  const s = spec.trim().replace(/^v(?=\d)/i, "");
  const all = versions.filter(release).sort(newestFirst);
  const newestOf = (m: number): string | undefined => all.find((v) => major(v) === m);
  if (/^(latest|current|node)$/i.test(s)) return all[0] ? { ok: true, value: all[0] } : { ok: false, error: "the registry lists no Node versions" };
  const lts = /^lts\/(.+)$/i.exec(s);
  if (lts) {
    const lines = ltsMajors(all);
    const which = lts[1].toLowerCase();
    let m: number | undefined;
    if (which === "*") m = lines[0];
    else if (/^-\d+$/.test(which)) m = lines[Number(which.slice(1))];
    else m = Number(Object.entries(LTS_CODENAMES).find(([, name]) => name === which)?.[0]) || undefined;
    if (m === undefined) {
      const known = lines.map((l) => (LTS_CODENAMES[l] ? `lts/${LTS_CODENAMES[l]} (${l})` : `${l}`)).join(", ");
      return { ok: false, error: `'${spec}' names no LTS line (LTS lines: ${known || "none"})` };
    }
    const v = newestOf(m);
    return v ? { ok: true, value: v } : { ok: false, error: `no Node ${m} is published` };
  }
  const found = all.find((v) => satisfies(v, rangeOf(s)));
  return found ? { ok: true, value: found } : { ok: false, error: `no published Node version matches '${spec}'` };
}

/** `16 - 18` (a hyphen range) → `>=16 <19`; other specs as they are. */
function rangeOf(spec: string): string {
  const m = /^(\S+)\s+-\s+(\S+)$/.exec(spec);
  if (!m) return spec;
  const hi = m[2].split(".");
  if (hi.length >= 3 && hi.every((p) => /^\d+$/.test(p))) return `>=${m[1]} <=${m[2]}`;
  const up = hi.map(Number);
  up[up.length - 1] += 1;
  return `>=${m[1]} <${up.join(".")}`;
}
