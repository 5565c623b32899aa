import type { WorkflowRun } from "./model.js";

/**
 * The plain-text log of a run (`GET /api/runs/:id/logs`, `stax log`): `=== Job: <name> (<id>) ===`,
 * then `--- Step <n>: <name> [<conclusion>] ---` and the step's lines. `linesOf` gives a step's lines.
 */
export function formatRunLog(
  run: WorkflowRun,
  linesOf: (jobId: string, step: number) => string[],
  only: { job?: string; step?: number } = {},
): string {
  let text = "";
  for (const j of run.jobs) {
    if (only.job && j.id !== only.job) continue;
    text += `=== Job: ${j.name} (${j.id}) ===\n`;
    for (const s of j.steps) {
      if (only.step && s.number !== only.step) continue;
      text += `--- Step ${s.number}: ${s.name} [${s.conclusion ?? s.status}] ---\n`;
      for (const line of linesOf(j.id, s.number)) text += line;
    }
  }
  return text;
}

/** ANSI escape sequences: SGR colours (`ESC[…m`), other CSI sequences, OSC strings and charset selections. */
// eslint-disable-next-line no-control-regex
export const ANSI_ESCAPE = /\x1b\[([0-9;?]*)([A-Za-z])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Z0-9]/g;

/** The text without ANSI escapes. */
export function stripAnsi(line: string): string {
  return line.includes("\x1b") ? line.replace(ANSI_ESCAPE, "") : line;
}

/** The `##[…]` marker a stored line starts with (GitHub's form of `::group::` and annotations). */
export const LOG_MARKER = /^##\[(group|endgroup|error|warning|notice|debug|command)\]/;

/** A line as the log viewer shows it: without its `##[…]` marker, ANSI escapes and trailing newline. */
export function displayText(line: string): string {
  const text = line.endsWith("\n") ? line.slice(0, -1) : line;
  const m = LOG_MARKER.exec(text);
  return stripAnsi(m ? text.slice(m[0].length) : text);
}
