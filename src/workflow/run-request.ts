import { StaxError } from "../contract/index.js";
import type { LoadedWorkflow } from "./load.js";
import { unknownEvent } from "./triggers.js";
import { validateInputs } from "./validate-inputs.js";

/** The event a run of `w` gets when none is named: push, else `workflow_dispatch`, else its only trigger. */
export function defaultEvent(w: LoadedWorkflow): string {
  const triggers = w.info.triggers;
  if (triggers.includes("push") || triggers.length === 0) return "push";
  return triggers.includes("workflow_dispatch") ? "workflow_dispatch" : triggers[0];
}

/**
 * What every way of starting a run checks (`stax run`, `POST /api/runs`, a re-run), with the
 * same errors: a known event (default: `defaultEvent`), inputs the event takes, and jobs the
 * workflow has. Returns the event and the inputs as the run sees them.
 */
export function checkRunRequest(
  w: LoadedWorkflow,
  event: string | undefined,
  given: Record<string, unknown>,
  jobs: unknown[] | undefined,
): { event: string; inputs: Record<string, unknown> } {
  const chosen = event ?? defaultEvent(w);
  const unknown = unknownEvent(chosen);
  if (unknown) throw new StaxError("BAD_REQUEST", unknown);
  const { inputs, errors } = validateInputs(w, chosen, given);
  if (errors.length) throw new StaxError("INVALID_INPUT", `${w.relPath}: ${errors.join("; ")}`, errors);
  const known = w.definition!.jobs.map((j) => j.id);
  const lower = new Set(known.map((j) => j.toLowerCase()));
  const missing = (jobs ?? []).filter((j) => typeof j !== "string" || !lower.has(j.toLowerCase()));
  if (missing.length)
    throw new StaxError(
      "BAD_REQUEST",
      `workflow ${w.relPath} has no job ${missing.map((j) => `'${String(j)}'`).join(", ")} (its jobs: ${known.join(", ")})`,
    );
  return { event: chosen, inputs };
}
