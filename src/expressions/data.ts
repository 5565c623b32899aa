import { data } from "@actions/expressions";

type ExpressionData = data.ExpressionData;

/**
 * Plain JS values ↔ the evaluator's ExpressionData. Objects are converted once and cached by
 * identity, so big contexts (the event payload) cost nothing on repeated evaluations; callers
 * must therefore treat context objects as immutable (replace, don't mutate).
 */
const cache = new WeakMap<object, ExpressionData>();

export function toData(v: unknown): ExpressionData {
  if (v === null || v === undefined) return new data.Null();
  switch (typeof v) {
    case "string":
      return new data.StringData(v);
    case "number":
      return new data.NumberData(v);
    case "boolean":
      return new data.BooleanData(v);
    case "object": {
      const hit = cache.get(v);
      if (hit) return hit;
      // Filled one entry at a time: spreading 80,000 outputs into the constructors' arguments overflowed the stack.
      let out: data.Array | data.Dictionary;
      if (Array.isArray(v)) {
        out = new data.Array();
        for (const x of v) out.add(toData(x));
      } else {
        out = new data.Dictionary();
        for (const key in v) {
          const x = (v as Record<string, unknown>)[key];
          if (Object.hasOwn(v, key) && x !== undefined) out.add(key, toData(x));
        }
      }
      cache.set(v, out);
      return out;
    }
    default:
      return new data.StringData(String(v));
  }
}

export function fromData(d: ExpressionData): unknown {
  switch (d.kind) {
    case data.Kind.Null:
      return null;
    case data.Kind.String:
    case data.Kind.Number:
    case data.Kind.Boolean:
      return (d as unknown as { value: unknown }).value;
    case data.Kind.Array:
      return (d as data.Array).values().map(fromData);
    case data.Kind.Dictionary:
      return Object.fromEntries((d as data.Dictionary).pairs().map((p) => [p.key, fromData(p.value)]));
    default:
      return null;
  }
}

/** EXPR-09: how a value becomes a string (null → '', booleans, numbers G15-like, objects as JSON). */
export function stringify(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return formatNumber(v);
  return JSON.stringify(v, null, 2);
}

/** .NET `G15`-like: at most 15 significant digits, no trailing zeros. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "NaN" : n > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  return String(Number(n.toPrecision(15)));
}

/** EXPR-05: falsy values. */
export function truthy(v: unknown): boolean {
  return !(
    v === null ||
    v === undefined ||
    v === false ||
    v === 0 ||
    v === "" ||
    (typeof v === "number" && Number.isNaN(v))
  );
}
