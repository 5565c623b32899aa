/**
 * The rows of a job's log viewer without one object per line: each step is a header row and,
 * when open, runs of consecutive visible lines. Groups fold from their markers alone, so a fold
 * works across pages that were never fetched. As before: a `##[group]` line's body runs to its
 * `##[endgroup]` (or the next group, or the step's end); `##[endgroup]` lines are never shown.
 */
import type { GroupMarker } from "../../../src/contract/index.js";

export type Row = { type: "step"; step: number } | { type: "line"; step: number; n: number };

export interface StepRows {
  step: number;
  open: boolean;
  total: number;
  markers: Map<number, GroupMarker["kind"]>;
}

/** A group: its `##[group]` line and the last line of its body. */
export interface Group {
  start: number;
  end: number;
}

/** A step's groups in order, from its markers. */
export function groupsOf(markers: Map<number, GroupMarker["kind"]>, total: number): Group[] {
  const sorted = [...markers].sort((a, b) => a[0] - b[0]);
  const out: Group[] = [];
  let open: number | undefined;
  for (const [n, kind] of sorted) {
    if (open !== undefined) out.push({ start: open, end: n - 1 });
    open = kind === "group" ? n : undefined;
  }
  if (open !== undefined) out.push({ start: open, end: total });
  return out;
}

/** The group whose body holds line `n`, if any. */
export function groupAt(groups: Group[], n: number): Group | undefined {
  return groups.find((g) => n > g.start && n <= g.end);
}

interface Run {
  /** First row of this run. */
  row: number;
  step: number;
  /** First line number, or 0 for the step's header. */
  n: number;
  count: number;
}

/** Row index → row, and line → row, by binary search over runs. */
export class RowIndex {
  private readonly runs: Run[] = [];
  readonly length: number;

  /** `openGroups` holds `step:start` of every unfolded group. */
  constructor(steps: StepRows[], openGroups: Set<string>) {
    let row = 0;
    const push = (step: number, n: number, count: number) => {
      if (count <= 0) return;
      this.runs.push({ row, step, n, count });
      row += count;
    };
    for (const s of steps) {
      push(s.step, 0, 1);
      if (!s.open) continue;
      // Lines hidden: endgroup markers, and the bodies of folded groups (bodies end before the next marker).
      const hidden: [number, number][] = [];
      for (const [n, kind] of s.markers) if (kind === "endgroup" && n <= s.total) hidden.push([n, n]);
      for (const g of groupsOf(s.markers, s.total))
        if (!openGroups.has(`${s.step}:${g.start}`) && g.end > g.start)
          hidden.push([g.start + 1, Math.min(g.end, s.total)]);
      hidden.sort((a, b) => a[0] - b[0]);
      let next = 1;
      for (const [a, b] of hidden) {
        push(s.step, next, a - next);
        next = Math.max(next, b + 1);
      }
      push(s.step, next, s.total - next + 1);
    }
    this.length = row;
  }

  at(row: number): Row {
    let lo = 0;
    let hi = this.runs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.runs[mid].row <= row) lo = mid;
      else hi = mid - 1;
    }
    const r = this.runs[lo];
    return r.n === 0 ? { type: "step", step: r.step } : { type: "line", step: r.step, n: r.n + row - r.row };
  }

  /** The row of a step's line (or of its header with `n` 0), if shown. */
  rowOf(step: number, n: number): number | undefined {
    for (const r of this.runs)
      if (r.step === step && n >= r.n && n < r.n + r.count && (n === 0) === (r.n === 0)) return r.row + n - r.n;
    return undefined;
  }
}
