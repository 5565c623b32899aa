/** Loading and validating workflow and action files; the typed model the engine runs. */
export {
  loadWorkflow,
  loadWorkflowText,
  listWorkflows,
  warmUpParser,
  workflowFiles,
  type LoadedWorkflow,
} from "./load.js";
export { resolveWorkflow } from "./resolve.js";
export { keepLoadedWorkflows } from "./kept.js";
export { listWorkflowsOffThread, type WorkflowSummary } from "./load-thread.js";
export { coerceInputs, declaredInputs, eventsOf } from "./inputs.js";
export type { WorkflowDef, JobDef, StepDef, RunDefaults } from "./model.js";
export { buildSteps } from "./model.js";
export { loadAction, type ActionDef } from "./action.js";
export { parseActionText, parseWorkflowText, diagnosticsOf } from "./parse.js";
export * from "./tokens.js";
export { validateInputs } from "./validate-inputs.js";
export { checkRunRequest, defaultEvent } from "./run-request.js";
export { patternRegExp, selects } from "./patterns.js";
export {
  KNOWN_EVENTS,
  PATH_FILTER_LIMIT,
  triggerDecision,
  unknownEvent,
  type TriggerDecision,
  type TriggerFacts,
} from "./triggers.js";
export { MAX_WORKFLOW_BYTES } from "./limits.js";
