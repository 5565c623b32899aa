import { evaluateString } from "../../expressions/evaluate.js";
import type { TemplateToken } from "../../workflow/tokens.js";

/**
 * A run's title as GitHub shows it (`display_title`): the workflow's `run-name:` evaluated with
 * the github, inputs and vars contexts (TRIG-12, CTX-11), else what the event names the run by:
 * a push its head commit's subject, a pull request its title, anything else the workflow's name.
 * An expression that fails leaves the default: a title is never a reason to fail a run.
 */
export function displayTitle(o: {
  runName?: TemplateToken;
  workflowName: string;
  github: Record<string, unknown>;
  inputs: Record<string, unknown>;
  vars: Record<string, string>;
}): string {
  if (o.runName) {
    try {
      const title = evaluateString(o.runName, { github: o.github, inputs: o.inputs, vars: o.vars })?.trim();
      if (title) return title;
    } catch {
      // the default below
    }
  }
  const event = o.github.event as
    { head_commit?: { message?: unknown }; pull_request?: { title?: unknown } } | undefined;
  const fromEvent =
    o.github.event_name === "push"
      ? event?.head_commit?.message
      : String(o.github.event_name).startsWith("pull_request")
        ? event?.pull_request?.title
        : undefined;
  return (typeof fromEvent === "string" && firstLine(fromEvent)) || o.workflowName;
}

/** The subject of a commit message: its first line. */
export const firstLine = (text: string): string => text.split("\n", 1)[0].trim();
