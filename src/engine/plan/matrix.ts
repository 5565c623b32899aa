import type { Result } from "../../contract/index.js";

/** One leg of an expanded matrix. */
export interface MatrixLeg {
  values: Record<string, unknown>;
  /** What the leg's name shows (MAT-11). */
  nameParts: string[];
}

/** MAT-07 */
export const MAX_LEGS = 256;

/** EXPR-08: a string as a number. */
function toNumber(v: unknown): number {
  if (v === null) return 0;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number") return v;
  if (typeof v !== "string") return NaN;
  const s = v.trim();
  if (s === "") return 0;
  if (/^0x[0-9a-f]+$/i.test(s)) return parseInt(s.slice(2), 16);
  if (/^0o[0-7]+$/i.test(s)) return parseInt(s.slice(2), 8);
  if (/^[+-]?Infinity$/.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? Number(s) : NaN;
}

/** EXPR-06: GitHub's loose `==` on plain values. */
export function looseEquals(a: unknown, b: unknown): boolean {
  const kind = (v: unknown) => (v === null || v === undefined ? "null" : Array.isArray(v) ? "array" : typeof v);
  const ka = kind(a);
  const kb = kind(b);
  if (ka === kb) {
    if (ka === "string") return (a as string).toUpperCase() === (b as string).toUpperCase();
    if (ka === "number") return a === b;
    if (ka === "null") return true;
    return a === b;
  }
  if (ka === "number" && kb === "string") return a === toNumber(b);
  if (ka === "string" && kb === "number") return toNumber(a) === b;
  if (ka === "boolean" || ka === "null")
    return kb === "object" || kb === "array" ? false : looseEquals(toNumber(a ?? null), b);
  if (kb === "boolean" || kb === "null")
    return ka === "object" || ka === "array" ? false : looseEquals(a, toNumber(b ?? null));
  return false;
}

/** Does `value` hold every leaf of `filter` (MAT-02, MAT-05: leaf by leaf, loose equality)? */
function matches(filter: unknown, value: unknown): boolean {
  if (filter && typeof filter === "object" && !Array.isArray(filter)) {
    if (!value || typeof value !== "object" || Array.isArray(value)) return false;
    const v = value as Record<string, unknown>;
    return Object.entries(filter as Record<string, unknown>).every(([k, f]) => {
      const key = Object.keys(v).find((x) => x.toLowerCase() === k.toLowerCase());
      return key !== undefined && matches(f, v[key]);
    });
  }
  if (Array.isArray(filter))
    return Array.isArray(value) && filter.length === value.length && filter.every((f, i) => matches(f, value[i]));
  return looseEquals(filter, value);
}

/** YAML-03/EXPR-09 stringification of a primitive leaf. */
function show(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (typeof v === "boolean") return [v ? "true" : "false"];
  if (typeof v === "number") return [Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(15)))];
  if (typeof v === "string") return v ? [v] : [];
  if (Array.isArray(v)) return v.flatMap(show);
  return Object.values(v as Record<string, unknown>).flatMap(show);
}

/**
 * Expands an evaluated `strategy.matrix` (MAT-01..07): the cross product of its vectors in key
 * order (first key slowest), minus `exclude`, plus `include` extras merged into matching legs or
 * appended as new legs. `null`/`undefined` gives no legs: the job is not a matrix job.
 */
export function expandMatrix(matrix: unknown): Result<MatrixLeg[]> {
  if (matrix === null || matrix === undefined) return { ok: true, value: [] };
  if (typeof matrix !== "object" || Array.isArray(matrix)) return { ok: false, error: "the matrix must be a mapping" };
  const m = matrix as Record<string, unknown>;
  const vectors: [string, unknown[]][] = [];
  let include: unknown[] = [];
  let exclude: unknown[] = [];
  for (const [key, value] of Object.entries(m)) {
    if (key === "include" || key === "exclude") {
      if (!Array.isArray(value)) return { ok: false, error: `matrix '${key}' must be a list` };
      if (key === "include") include = value;
      else exclude = value;
      continue;
    }
    if (!Array.isArray(value) || value.length === 0)
      return { ok: false, error: `matrix vector '${key}' must be a non-empty list` };
    vectors.push([key, value]);
  }
  if (vectors.length === 0 && include.length === 0)
    return { ok: false, error: "the matrix needs at least one vector or an include" };
  let combos: Record<string, unknown>[] = vectors.length ? [{}] : [];
  for (const [key, values] of vectors) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  for (const e of exclude) {
    if (!e || typeof e !== "object" || Object.keys(e).length === 0)
      return { ok: false, error: "an exclude entry must be a non-empty mapping" };
    for (const k of Object.keys(e))
      if (!vectors.some(([v]) => v.toLowerCase() === k.toLowerCase()))
        return { ok: false, error: `exclude key '${k}' is not a matrix vector` };
  }
  combos = combos.filter((c) => !exclude.some((e) => matches(e, c)));
  if (combos.length > MAX_LEGS)
    return { ok: false, error: `the matrix has ${combos.length} combinations; at most ${MAX_LEGS} are allowed` };
  const vectorKeys = new Set(vectors.map(([k]) => k.toLowerCase()));
  const legs: MatrixLeg[] = combos.map((c) => ({ values: { ...c }, nameParts: vectors.flatMap(([k]) => show(c[k])) }));
  const originals = combos.map((c) => ({ ...c }));
  for (const entry of include) {
    if (!entry || typeof entry !== "object" || Array.isArray(entry))
      return { ok: false, error: "an include entry must be a mapping" };
    const inc = entry as Record<string, unknown>;
    const filters = Object.fromEntries(Object.entries(inc).filter(([k]) => vectorKeys.has(k.toLowerCase())));
    const extras = Object.entries(inc).filter(([k]) => !vectorKeys.has(k.toLowerCase()));
    let matched = false;
    originals.forEach((orig, i) => {
      if (!matches(filters, orig)) return;
      matched = true;
      for (const [k, v] of extras) legs[i].values[k] = v;
    });
    if (!matched) legs.push({ values: { ...inc }, nameParts: Object.values(inc).flatMap(show) });
  }
  if (legs.length > MAX_LEGS)
    return { ok: false, error: `the matrix has ${legs.length} combinations; at most ${MAX_LEGS} are allowed` };
  return { ok: true, value: legs };
}

/** MAT-11: `base (p1, p2)` cut to 100 characters with `...`. */
export function legName(base: string, parts: string[]): string {
  if (parts.length === 0) return base;
  const name = `${base} (${parts.join(", ")})`;
  return name.length > 100 ? `${name.slice(0, 97)}...` : name;
}

/**
 * `--matrix key:value` (act's syntax): whether a leg is wanted. Each named key the leg has must
 * equal one of the given values (compared as MAT-05 compares include entries, keys
 * case-insensitive per MAT-06); keys the leg lacks do not filter it.
 */
export function legSelected(values: Record<string, unknown> | null, wanted: Record<string, string[]>): boolean {
  if (!values) return true;
  const keys = new Map(Object.keys(values).map((k) => [k.toLowerCase(), k]));
  return Object.entries(wanted).every(([key, options]) => {
    const k = keys.get(key.toLowerCase());
    if (k === undefined) return true;
    const v = values[k];
    return options.some((o) => looseEquals(v !== null && typeof v === "object" ? JSON.stringify(v) : v, o));
  });
}
