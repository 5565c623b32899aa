/**
 * Annotations: the `::error::`, `::warning::` and `::notice::` lines of a job, as GitHub lists
 * them on a run's summary. The engine stores such a line as `##[warning]Title (file#L3:5) message`
 * (its `file`/`line`/`col`/`title` properties written before the message); `parseAnnotation` reads
 * one back, for the job's list and for the log viewer's links.
 */

export type AnnotationLevel = "error" | "warning" | "notice";

export interface Annotation {
  level: AnnotationLevel;
  message: string;
  title?: string;
  file?: string;
  line?: number;
  col?: number;
  /** The step whose log holds it, and its line there (1-based, as the log viewer numbers lines). */
  step: number;
  logLine: number;
}

/** GitHub keeps at most 50 annotations per job; a job that writes more is told so by its own log. */
export const MAX_ANNOTATIONS_PER_JOB = 50;

const ANNOTATION = /^##\[(error|warning|notice)\](?:(?:(.+?) )?\(([^()\n]+?)(?:#L(\d+)(?::(\d+))?)?\) )?(.*?)\n?$/s;

/** The annotation a stored log line holds, without its position in the log; undefined for any other line. */
export function parseAnnotation(line: string): Omit<Annotation, "step" | "logLine"> | undefined {
  if (!line.startsWith("##[")) return undefined;
  const m = ANNOTATION.exec(line);
  if (!m) return undefined;
  const [, level, title, file, ln, col, message] = m;
  return {
    level: level as AnnotationLevel,
    message,
    ...(title ? { title } : {}),
    ...(file ? { file } : {}),
    ...(ln ? { line: Number(ln) } : {}),
    ...(col ? { col: Number(col) } : {}),
  };
}

/** How many annotations of each level a run's jobs hold (the run list's counts). */
export function annotationCounts(jobs: { annotations?: Annotation[] }[]): Record<AnnotationLevel, number> {
  const counts = { error: 0, warning: 0, notice: 0 };
  for (const j of jobs) for (const a of j.annotations ?? []) counts[a.level]++;
  return counts;
}
