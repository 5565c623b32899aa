import type { Annotation } from "../../../src/contract/index.js";

// Where a log line or an annotation points, shared by the log view and the annotations list
// (each of which renders the other's links): apart from both so neither imports the other.

/** The element id and link of a line: `#step2-L120` (line 120 of step 2). */
export const lineId = (step: number, n: number) => `step${step}-L${n}`;

/** `src/app.ts:12:3`, or nothing without a file. */
export const positionOf = (a: Pick<Annotation, "file" | "line" | "col">): string =>
  a.file ? `${a.file}${a.line ? `:${a.line}${a.col ? `:${a.col}` : ""}` : ""}` : "";
