import type { Diagnostic } from "../contract/index.js";
import { isSequence, literalValue, mapEntries, mapGet, type TemplateToken } from "./tokens.js";

/** Workflow files larger than this are refused unread: parsing is synchronous, and 1 MB of YAML takes seconds. */
export const MAX_WORKFLOW_BYTES = 256 * 1024;

/**
 * What GitHub refuses and the schema lets through: `timeout-minutes` and `max-parallel` that are
 * not positive finite numbers, and a job with an empty `steps` list.
 */
export function checkLimits(root: TemplateToken, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (t: TemplateToken, message: string) => out.push({ file, line: t.line ?? 1, column: t.col ?? 1, message });
  const positive = (t: TemplateToken | undefined, what: string) => {
    const v = literalValue(t);
    if (t && typeof v === "number" && !(Number.isFinite(v) && v > 0))
      at(t, `${what} must be a positive number, got ${v}`);
  };
  for (const [id, job] of mapEntries(mapGet(root, "jobs"))) {
    positive(mapGet(job, "timeout-minutes"), `job '${id}': timeout-minutes`);
    positive(mapGet(mapGet(job, "strategy"), "max-parallel"), `job '${id}': max-parallel`);
    const steps = mapGet(job, "steps");
    if (steps && isSequence(steps)) {
      if (steps.count === 0) at(steps, `job '${id}' has no steps`);
      for (let i = 0; i < steps.count; i++)
        positive(mapGet(steps.get(i), "timeout-minutes"), `job '${id}', step ${i + 1}: timeout-minutes`);
    }
  }
  return out;
}
