import { selects } from "./patterns.js";

/** Every event that can trigger a workflow on GitHub (docs: events-that-trigger-workflows). */
export const KNOWN_EVENTS: readonly string[] = [
  "branch_protection_rule",
  "check_run",
  "check_suite",
  "create",
  "delete",
  "deployment",
  "deployment_status",
  "discussion",
  "discussion_comment",
  "fork",
  "gollum",
  "image_version",
  "issue_comment",
  "issues",
  "label",
  "merge_group",
  "milestone",
  "page_build",
  "project",
  "project_card",
  "project_column",
  "public",
  "pull_request",
  "pull_request_review",
  "pull_request_review_comment",
  "pull_request_target",
  "push",
  "registry_package",
  "release",
  "repository_dispatch",
  "schedule",
  "status",
  "watch",
  "workflow_call",
  "workflow_dispatch",
  "workflow_run",
];

/** Undefined for an event GitHub knows, else the message for an unknown one (a usage error, exit 2). */
export function unknownEvent(event: string): string | undefined {
  if (KNOWN_EVENTS.includes(event)) return undefined;
  return `unknown event '${event}'; events: ${KNOWN_EVENTS.join(", ")}`;
}

/** TRIG-07: the activity types a `pull_request(_target)` trigger runs for when it lists none. */
const DEFAULT_TYPES: Record<string, string[]> = {
  pull_request: ["opened", "synchronize", "reopened"],
  pull_request_target: ["opened", "synchronize", "reopened"],
};

/** GitHub checks at most this many changed files against path filters (TRIG-06). */
export const PATH_FILTER_LIMIT = 300;

/** What the repository says about the event, for the filters. */
export interface TriggerFacts {
  event: string;
  /** push: the pushed ref; pull_request: the base branch (TRIG-07: branches match the base). */
  ref?: { type: "branch" | "tag"; name: string };
  /** Changed files; undefined when they cannot be told (path filters then pass, as GitHub does without a diff). */
  changedFiles?: string[];
  /** The payload's `action` (activity type), if any. */
  action?: string;
  /** workflow_run: the name of the workflow whose run triggers this one (for `workflows:`). */
  workflow?: string;
}

/** Whether a workflow runs for the event, and if not, the one filter that left it out. */
export type TriggerDecision = { runs: true } | { runs: false; reason: string };

type Filters = Partial<
  Record<
    "branches" | "branches-ignore" | "tags" | "tags-ignore" | "paths" | "paths-ignore" | "types" | "workflows",
    string[]
  >
>;

const list = (patterns: string[]): string => `[${patterns.join(", ")}]`;

/**
 * Decides, as GitHub does, whether a workflow whose `on:` is `on` runs for an event
 * (TRIG-03 … TRIG-07): the event must be a trigger, its activity type listed, its branch or tag
 * selected, and its changed files selected — branch and path filters must both pass.
 */
export function triggerDecision(on: Record<string, unknown>, facts: TriggerFacts): TriggerDecision {
  if (!(facts.event in on)) {
    return {
      runs: false,
      reason: `not triggered by ${facts.event} (triggers: ${Object.keys(on).join(", ") || "none"})`,
    };
  }
  const f = (on[facts.event] ?? {}) as Filters;
  const types = f.types ?? DEFAULT_TYPES[facts.event];
  if (types && facts.action && !types.includes(facts.action)) {
    return { runs: false, reason: `types: activity '${facts.action}' is not one of ${list(types)}` };
  }
  if (f.workflows && facts.workflow !== undefined && !selects(f.workflows, facts.workflow)) {
    return { runs: false, reason: `workflows: '${facts.workflow}' is not one of ${list(f.workflows)}` };
  }
  const refReason = refFilter(f, facts);
  if (refReason) return { runs: false, reason: refReason };
  // TRIG-05: path filters do not apply to tag pushes.
  if (facts.ref?.type === "tag") return { runs: true };
  return pathFilter(f, facts.changedFiles);
}

/** TRIG-03: branch filters for branches, tag filters for tags; only one kind given → the other never matches. */
function refFilter(f: Filters, facts: TriggerFacts): string | undefined {
  const ref = facts.ref;
  if (!ref) return undefined;
  const hasBranch = !!(f.branches || f["branches-ignore"]);
  const hasTag = !!(f.tags || f["tags-ignore"]);
  const [include, ignore, other, what] =
    ref.type === "branch"
      ? [f.branches, f["branches-ignore"], hasTag, "branch"]
      : [f.tags, f["tags-ignore"], hasBranch, "tag"];
  if (!include && !ignore) {
    if (other)
      return `${ref.type === "branch" ? "tags" : "branches"}: a ${what} push ('${ref.name}'), and the workflow filters only ${ref.type === "branch" ? "tags" : "branches"}`;
    return undefined;
  }
  const key = ref.type === "branch" ? "branches" : "tags";
  if (include && !selects(include, ref.name))
    return `${key}: ${what} '${ref.name}' is not selected by ${list(include)}`;
  if (ignore && selects(ignore, ref.name)) return `${key}-ignore: ${what} '${ref.name}' is ignored by ${list(ignore)}`;
  return undefined;
}

/** TRIG-05/06: `paths` needs one selected file; `paths-ignore` skips when every file is ignored; only the first 300 count. */
function pathFilter(f: Filters, changed: string[] | undefined): TriggerDecision {
  if ((!f.paths && !f["paths-ignore"]) || changed === undefined) return { runs: true };
  const files = changed.slice(0, PATH_FILTER_LIMIT);
  const note =
    changed.length > PATH_FILTER_LIMIT
      ? ` (only the first ${PATH_FILTER_LIMIT} of ${changed.length} changed files are checked, as on GitHub)`
      : "";
  if (f.paths && !files.some((p) => selects(f.paths!, p))) {
    return {
      runs: false,
      reason: files.length
        ? `paths: none of the ${files.length} changed file(s) is selected by ${list(f.paths)}${note}`
        : `paths: no changed files`,
    };
  }
  const ignore = f["paths-ignore"];
  if (ignore && files.every((p) => selects(ignore, p))) {
    return {
      runs: false,
      reason: files.length
        ? `paths-ignore: every changed file (${files.length}) is ignored by ${list(ignore)}${note}`
        : `paths-ignore: no changed files`,
    };
  }
  return { runs: true };
}
