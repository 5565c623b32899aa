/**
 * The run list's filters beyond workflow and status, applied in the page: branch, event, actor and
 * a text search over the title, commit subject, workflow, number and sha. The runner filters by
 * workflow and status; with one of these set the page reads the newest `WIDE_PAGE` runs and
 * filters them here (older runs are reached with "Older").
 */
import type { WorkflowRun } from "../../../src/contract/index.js";

export const WIDE_PAGE = 500;
export const TEXT_FILTERS = ["branch", "event", "actor", "q"] as const;
export type TextFilters = Partial<Record<(typeof TEXT_FILTERS)[number], string>>;

export const branchOf = (r: WorkflowRun): string => r.trigger.ref.replace(/^refs\/(heads|tags)\//, "");

export function passes(r: WorkflowRun, f: TextFilters): boolean {
  if (f.branch && branchOf(r) !== f.branch) return false;
  if (f.event && r.trigger.event !== f.event) return false;
  if (f.actor && r.trigger.actor !== f.actor) return false;
  if (f.q) {
    const q = f.q.toLowerCase();
    const hay = [
      r.displayTitle,
      r.trigger.commitSubject,
      r.workflow,
      r.workflowFile,
      `#${r.number}`,
      r.trigger.sha.slice(0, 12),
      branchOf(r),
    ]
      .join("\n")
      .toLowerCase();
    if (!hay.includes(q)) return false;
  }
  return true;
}

export const anyFilter = (f: TextFilters): boolean => TEXT_FILTERS.some((k) => f[k]);
