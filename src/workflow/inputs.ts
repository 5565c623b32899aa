import type { WorkflowInput } from "../contract/index.js";
import { literalValue, mapEntries, mapGet, type TemplateToken } from "./tokens.js";

const DECIMAL = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TYPES = new Set(["string", "boolean", "number", "choice", "environment"]);

/** The `on` token as event name → config token (TRIG-01: string, list or mapping). */
export function eventsOf(root: TemplateToken | undefined): Map<string, TemplateToken | undefined> {
  const on = mapGet(root, "on");
  const out = new Map<string, TemplateToken | undefined>();
  const v = literalValue(on);
  if (typeof v === "string") out.set(v, undefined);
  else if (Array.isArray(v)) for (const e of v) out.set(String(e), undefined);
  else for (const [k, t] of mapEntries(on)) out.set(k, t);
  return out;
}

/** Declared inputs of `workflow_dispatch` or `workflow_call` (TRIG-08, TRIG-10). */
export function declaredInputs(
  root: TemplateToken | undefined,
  event: "workflow_dispatch" | "workflow_call",
): WorkflowInput[] {
  const config = eventsOf(root).get(event);
  return mapEntries(mapGet(config, "inputs")).map(([name, def]) => {
    const d = (literalValue(def) ?? {}) as Record<string, unknown>;
    const type = typeof d.type === "string" && TYPES.has(d.type) ? (d.type as WorkflowInput["type"]) : "string";
    const input: WorkflowInput = { name, type, required: d.required === true };
    if (typeof d.description === "string") input.description = d.description;
    if (d.default !== undefined && d.default !== null && typeof d.default !== "object")
      input.default = d.default as string | number | boolean;
    if (Array.isArray(d.options)) input.options = d.options.map(String);
    return input;
  });
}

/** The zero value of a workflow_call input type (TRIG-10). */
function zero(type: WorkflowInput["type"]): unknown {
  return type === "boolean" ? false : type === "number" ? 0 : "";
}

/**
 * Types and checks given inputs against the declaration: unknown names, missing required ones,
 * wrong types, values outside a choice's options. Strings from a CLI or an event file are coerced
 * ("true" → true for booleans, "3" → 3 for numbers). Missing optional inputs get their default.
 * `strictTypes` (inputs from the API or the CLI): null, objects and arrays are refused, not turned into text.
 */
export function coerceInputs(
  declared: WorkflowInput[],
  given: Record<string, unknown>,
  strictUnknown = true,
  strictTypes = false,
): { inputs: Record<string, unknown>; errors: string[] } {
  const errors: string[] = [];
  const inputs: Record<string, unknown> = {};
  const byName = new Map(declared.map((d) => [d.name.toLowerCase(), d]));
  for (const name of Object.keys(given)) {
    if (!byName.has(name.toLowerCase()) && strictUnknown) errors.push(`unknown input '${name}'`);
  }
  for (const d of declared) {
    const key = Object.keys(given).find((k) => k.toLowerCase() === d.name.toLowerCase());
    let value = key === undefined ? undefined : given[key];
    if (value === null && strictTypes) {
      errors.push(
        `input '${d.name}' must be a ${d.type === "boolean" || d.type === "number" ? d.type : "string"}, got null`,
      );
      continue;
    }
    if (value === undefined || value === null) {
      if (d.default !== undefined) value = d.default;
      else if (d.required) {
        errors.push(`input '${d.name}' is required`);
        continue;
      } else {
        inputs[d.name] = zero(d.type);
        continue;
      }
    }
    if (d.type === "boolean") {
      if (typeof value === "string" && /^(true|false)$/i.test(value.trim()))
        value = value.trim().toLowerCase() === "true";
      if (typeof value !== "boolean") errors.push(`input '${d.name}' must be a boolean, got '${String(value)}'`);
    } else if (d.type === "number") {
      // Decimal only, and finite: `0x10` or `1e999` are not what a form's number field sends.
      if (typeof value === "string" && DECIMAL.test(value.trim())) value = Number(value);
      if (typeof value !== "number" || !Number.isFinite(value))
        errors.push(`input '${d.name}' must be a number, got '${String(value)}'`);
    } else {
      if (typeof value === "object" && value !== null && strictTypes) {
        errors.push(`input '${d.name}' must be a string, got ${Array.isArray(value) ? "an array" : "an object"}`);
        continue;
      }
      value = typeof value === "object" ? JSON.stringify(value) : String(value);
      if (d.type === "choice" && d.options && !d.options.includes(value as string)) {
        errors.push(
          `input '${d.name}' must be one of ${d.options.map((o) => `'${o}'`).join(", ")}, got '${String(value)}'`,
        );
      }
    }
    inputs[d.name] = value;
  }
  return { inputs, errors };
}
