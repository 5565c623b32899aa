import { coerceInputs } from "./inputs.js";
import type { LoadedWorkflow } from "./load.js";

/**
 * Checks inputs given for a run of `wf` triggered by `event` (the REST API answers 400 with the
 * errors). Events other than workflow_dispatch and workflow_call take no inputs.
 */
export function validateInputs(
  wf: LoadedWorkflow,
  event: string,
  given: Record<string, unknown>,
): { inputs: Record<string, unknown>; errors: string[] } {
  if (event === "workflow_dispatch" || event === "workflow_call")
    return coerceInputs(wf.inputs[event], given, true, true);
  const names = Object.keys(given);
  return { inputs: {}, errors: names.length ? [`event '${event}' takes no inputs (got ${names.join(", ")})`] : [] };
}
