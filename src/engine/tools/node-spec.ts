/**
 * Resolving a setup-node `node-version` against a list of published versions, as
 * actions/setup-node does: exact versions, `16`, `16.x`, ranges, `latest` / `current` / `node`,
 * `lts/*`, `lts/-N` and `lts/<codename>`.
 */
import { parseVersion, satisfies } from "./versions.js";
import type { Result } from "../../contract/index.js";

/** LTS codenames by major (Node's release plan names each even line when it enters LTS). */
export const LTS_CODENAMES: Record<number, string> = {
  4: "argon",
  6: "boron",
  8: "carbon",
  10: "dubnium",
  12: "erbium",
  14: "fermium",
  16: "gallium",
  18: "hydrogen",
  20: "iron",
  22: "jod",
  24: "krypton",
};

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

/** When each version was published (registry `time`), and the clock to read the calendar by. */
export interface ReleaseCalendar {
  published: Record<string, string>;
  now: Date;
}

/**
 * The LTS lines among `versions`, newest first. The registry's package carries no LTS flag, so
 * this follows Node's release calendar: an even major (4 and up) comes out in April and enters
 * LTS that October — from the first October after its first release's publish time, by the
 * calendar's clock. A line with a codename here is LTS whatever the dates say; with no dates at
 * all, a line counts once a newer major is published.
 */
export function ltsMajors(versions: string[], calendar?: ReleaseCalendar): number[] {
  const releases = versions.filter(release);
  const majors = [...new Set(releases.map(major))].sort((a, b) => b - a);
  const newest = majors[0] ?? 0;
  const ltsFrom = (m: number): Date | undefined => {
    const times = releases
      .filter((v) => major(v) === m)
      .map((v) => Date.parse(calendar?.published[v] ?? ""))
      .filter((t) => !Number.isNaN(t));
    if (!times.length) return undefined;
    const first = new Date(Math.min(...times));
    // October (month 9) of the release year, or of the next year for a release in October or later.
    return new Date(Date.UTC(first.getUTCFullYear() + (first.getUTCMonth() >= 9 ? 1 : 0), 9, 1));
  };
  return majors.filter((m) => {
    if (m < 4 || m % 2 !== 0) return false;
    if (LTS_CODENAMES[m] !== undefined) return true;
    const from = calendar ? ltsFrom(m) : undefined;
    return from ? calendar!.now.getTime() >= from.getTime() : m < newest;
  });
}

/**
 * The version `spec` selects from `versions` (setup-node's rules), or an error naming why none.
 * Pre-releases are never chosen; `lts/…` reads the release calendar when one is given.
 */
export function resolveNodeSpec(spec: string, versions: string[], calendar?: ReleaseCalendar): Result<string> {
  const s = spec.trim().replace(/^v(?=\d)/i, "");
  const all = versions.filter(release).sort(newestFirst);
  const newestOf = (m: number): string | undefined => all.find((v) => major(v) === m);
  if (/^(latest|current|node)$/i.test(s))
    return all[0] ? { ok: true, value: all[0] } : { ok: false, error: "the registry lists no Node versions" };
  const lts = /^lts\/(.+)$/i.exec(s);
  if (lts) {
    const lines = ltsMajors(all, calendar);
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
  const found = all.find((v) => satisfies(v, s));
  return found ? { ok: true, value: found } : { ok: false, error: `no published Node version matches '${spec}'` };
}
