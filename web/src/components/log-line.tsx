/** One log line: its number (a link), a group's fold button, an annotation badge, ANSI colours. */
import { LOG_MARKER } from "../../../src/contract/index.js";
import { parseAnsi } from "../log/ansi.js";

/** The element id and link of a line: `#step2-L120` (line 120 of step 2). */
export const lineId = (step: number, n: number) => `step${step}-L${n}`;

const BADGES: Record<string, string> = { error: "Error", warning: "Warning", notice: "Notice" };

export function LogLine(props: { step: number; n: number; text: string | undefined; inGroup: boolean; open: boolean; onToggle: () => void; current: boolean; target: boolean }) {
  const { text } = props;
  const m = text === undefined ? null : LOG_MARKER.exec(text);
  const kind = m?.[1] ?? "plain";
  const body = text === undefined ? "" : m ? text.slice(m[0].length) : text;
  const cls = `line kind-${kind}${props.inGroup ? " in-group" : ""}${props.current ? " match" : ""}${props.target ? " target" : ""}${text === undefined ? " pending" : ""}`;
  const id = lineId(props.step, props.n);
  return (
    <div class={cls} id={id}>
      <a class="ln" href={`#${id}`} aria-label={`line ${props.n}`}>
        {props.n}
      </a>
      {kind === "group" ? (
        <button class="fold" aria-expanded={props.open} onClick={props.onToggle} aria-label={`${props.open ? "collapse" : "expand"} group ${body}`}>
          {props.open ? "▾" : "▸"} {body}
        </button>
      ) : (
        <span class="text">
          {BADGES[kind] ? <span class="badge">{BADGES[kind]}</span> : null}
          {parseAnsi(body).map((s, i) => (
            <span key={i} style={{ color: s.fg, background: s.bg, fontWeight: s.bold ? 600 : undefined, opacity: s.dim ? 0.7 : undefined, fontStyle: s.italic ? "italic" : undefined, textDecoration: s.underline ? "underline" : undefined }}>
              {s.text}
            </span>
          ))}
        </span>
      )}
    </div>
  );
}
