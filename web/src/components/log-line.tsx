/** One log line: its number (a link), its time (when shown), a group's fold button, an annotation badge, ANSI colours. */
import type { ComponentChildren } from "preact";
import { LOG_MARKER, parseAnnotation } from "../../../src/contract/index.js";
import { runner } from "../api.js";
import { parseAnsi } from "../log/ansi.js";
import { lineId, positionOf } from "./anchors.js";

/** A time as GitHub's log shows it: UTC, `HH:MM:SS.mmm`. */
export const clockOf = (t: number) => new Date(t).toISOString().slice(11, 23);

const BADGES: Record<string, string> = { error: "Error", warning: "Warning", notice: "Notice" };

/** `text` with each case-insensitive occurrence of `q` in a `<mark>`: search shows the term, not just the line. */
function marked(text: string, q: string): ComponentChildren {
  if (!q) return text;
  const out: ComponentChildren[] = [];
  const lower = text.toLowerCase();
  const needle = q.toLowerCase();
  let at = 0;
  for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, at)) {
    if (i > at) out.push(text.slice(at, i));
    out.push(<mark key={i}>{text.slice(i, i + q.length)}</mark>);
    at = i + q.length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

/**
 * An annotation's `file:line` as a link that opens the file at that line in the editor
 * (`vscode://file/…`, which VS Code and editors that register the scheme answer): GitHub links the
 * file in the repository; a local run's file is in the workspace.
 */
function AnnotationHead(props: { text: string }) {
  const a = parseAnnotation(props.text);
  if (!a?.file) return null;
  const href = runner.workspace
    ? `vscode://file/${runner.workspace}/${a.file}${a.line ? `:${a.line}${a.col ? `:${a.col}` : ""}` : ""}`
    : undefined;
  return (
    <>
      {a.title ? <strong>{a.title} </strong> : null}
      <a class="a-file" href={href} title="open in your editor">
        {positionOf(a)}
      </a>{" "}
    </>
  );
}

export function LogLine(props: {
  step: number;
  n: number;
  text: string | undefined;
  inGroup: boolean;
  open: boolean;
  onToggle: () => void;
  current: boolean;
  target: boolean;
  query?: string;
  timestamps?: boolean;
  t?: number;
}) {
  const { text } = props;
  const m = text === undefined ? null : LOG_MARKER.exec(text);
  const kind = m?.[1] ?? "plain";
  const annotated = BADGES[kind] !== undefined && text !== undefined ? parseAnnotation(text) : undefined;
  // An annotation with a file shows its position as a link, then its message (the stored prefix is left out).
  const body = text === undefined ? "" : annotated?.file ? annotated.message : m ? text.slice(m[0].length) : text;
  const cls = `line kind-${kind}${props.inGroup ? " in-group" : ""}${props.current ? " match" : ""}${props.target ? " target" : ""}${text === undefined ? " pending" : ""}`;
  const id = lineId(props.step, props.n);
  return (
    <div class={cls} id={id}>
      <a class="ln" href={`#${id}`} aria-label={`line ${props.n}`}>
        {props.n}
      </a>
      {props.timestamps ? (
        // Always there while shown, empty for a line without a time: its width never changes.
        <time
          class="ts"
          dateTime={props.t !== undefined ? new Date(props.t).toISOString() : undefined}
          title={props.t !== undefined ? new Date(props.t).toISOString() : "no time stored for this line"}
        >
          {props.t !== undefined ? clockOf(props.t) : ""}
        </time>
      ) : null}
      {kind === "group" ? (
        <button
          class="fold"
          aria-expanded={props.open}
          onClick={props.onToggle}
          aria-label={`${props.open ? "collapse" : "expand"} group ${body}`}
        >
          {props.open ? "▾" : "▸"} {body}
        </button>
      ) : (
        <span class="text">
          {BADGES[kind] ? <span class="badge">{BADGES[kind]}</span> : null}
          {annotated?.file ? <AnnotationHead text={text!} /> : null}
          {parseAnsi(body).map((s, i) => (
            <span
              key={i}
              style={{
                color: s.fg,
                background: s.bg,
                fontWeight: s.bold ? 600 : undefined,
                opacity: s.dim ? 0.7 : undefined,
                fontStyle: s.italic ? "italic" : undefined,
                textDecoration: s.underline ? "underline" : undefined,
              }}
            >
              {marked(s.text, props.query ?? "")}
            </span>
          ))}
        </span>
      )}
    </div>
  );
}
