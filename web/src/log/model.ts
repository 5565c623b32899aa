/**
 * A job's log as the viewer needs it: lines appended once as they arrive (numbered across the
 * job, like GitHub's `#L120` links), with `##[group]` folds and annotations recognised, and the
 * visible rows computed from what is expanded.
 */
import { stripAnsi } from "./ansi.js";

export type LineKind = "plain" | "group" | "endgroup" | "error" | "warning" | "notice" | "debug" | "command";

export interface LogLine {
  /** 1-based, across the whole job. */
  n: number;
  step: number;
  kind: LineKind;
  /** Without the `##[…]` marker and the trailing newline. */
  text: string;
  /** Index of the `##[group]` line this line is inside, if any. */
  group?: number;
}

export interface JobLog {
  lines: LogLine[];
  byStep: Map<number, number[]>;
  openGroup: Map<number, number | undefined>;
}

export const newJobLog = (): JobLog => ({ lines: [], byStep: new Map(), openGroup: new Map() });

const MARKER = /^##\[(group|endgroup|error|warning|notice|debug|command)\]/;

export function appendLine(log: JobLog, step: number, raw: string): void {
  const text = raw.endsWith("\n") ? raw.slice(0, -1) : raw;
  const m = MARKER.exec(text);
  const kind = (m?.[1] as LineKind | undefined) ?? "plain";
  const open = log.openGroup.get(step);
  const index = log.lines.length;
  const line: LogLine = { n: index + 1, step, kind, text: m ? text.slice(m[0].length) : text, group: kind === "group" ? undefined : open };
  log.lines.push(line);
  let list = log.byStep.get(step);
  if (!list) log.byStep.set(step, (list = []));
  list.push(index);
  if (kind === "group") log.openGroup.set(step, index);
  else if (kind === "endgroup") log.openGroup.set(step, undefined);
}

/** A row of the viewer: a step header or a log line. */
export type Row = { type: "step"; step: number } | { type: "line"; index: number };

/**
 * The rows to show: each step's header, then (when the step is open) its lines, leaving out the
 * inside of closed groups. `##[endgroup]` lines are never shown.
 */
export function visibleRows(log: JobLog, steps: number[], openSteps: Set<number>, openGroups: Set<number>): Row[] {
  const rows: Row[] = [];
  for (const step of steps) {
    rows.push({ type: "step", step });
    if (!openSteps.has(step)) continue;
    for (const i of log.byStep.get(step) ?? []) {
      const l = log.lines[i];
      if (l.kind === "endgroup") continue;
      if (l.group !== undefined && !openGroups.has(l.group)) continue;
      rows.push({ type: "line", index: i });
    }
  }
  return rows;
}

/** Indexes of the lines whose text contains `query` (case-insensitive). */
export function search(log: JobLog, query: string): number[] {
  if (!query) return [];
  const q = query.toLowerCase();
  const out: number[] = [];
  for (let i = 0; i < log.lines.length; i++) if (log.lines[i].kind !== "endgroup" && stripAnsi(log.lines[i].text).toLowerCase().includes(q)) out.push(i);
  return out;
}
