/**
 * A job's log: steps as foldable sections, `##[group]` folds, ANSI colours, annotations, line
 * links (`#L120`), search, follow-tail, raw download. Only the rows in view are in the DOM, so
 * 100k-line logs scroll smoothly.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Job, Step } from "../../../src/contract/index.js";
import { logUrl } from "../api.js";
import { duration } from "../format.js";
import { parseAnsi } from "../log/ansi.js";
import { search, visibleRows, type JobLog, type LogLine, type Row } from "../log/model.js";
import { StatusIcon } from "./status.js";

const ROW = 20;
const OVERSCAN = 30;
const EMPTY: JobLog = { lines: [], byStep: new Map(), openGroup: new Map() };

function Line(props: { line: LogLine; open: boolean; onToggle: () => void; current: boolean; target: boolean }) {
  const { line } = props;
  const cls = `line kind-${line.kind}${line.group !== undefined ? " in-group" : ""}${props.current ? " match" : ""}${props.target ? " target" : ""}`;
  return (
    <div class={cls} id={`L${line.n}`}>
      <a class="ln" href={`#L${line.n}`} aria-label={`line ${line.n}`}>
        {line.n}
      </a>
      {line.kind === "group" ? (
        <button class="fold" aria-expanded={props.open} onClick={props.onToggle} aria-label={`${props.open ? "collapse" : "expand"} group ${line.text}`}>
          {props.open ? "▾" : "▸"} {line.text}
        </button>
      ) : (
        <span class="text">
          {line.kind === "error" || line.kind === "warning" || line.kind === "notice" ? <span class="badge">{line.kind === "error" ? "Error" : line.kind === "warning" ? "Warning" : "Notice"}</span> : null}
          {parseAnsi(line.text).map((s, i) => (
            <span key={i} style={{ color: s.fg, background: s.bg, fontWeight: s.bold ? 600 : undefined, opacity: s.dim ? 0.7 : undefined, fontStyle: s.italic ? "italic" : undefined, textDecoration: s.underline ? "underline" : undefined }}>
              {s.text}
            </span>
          ))}
        </span>
      )}
    </div>
  );
}

/** A running or failed step shows its lines; the others are folded until clicked. */
const openByDefault = (s: Step) => s.status === "in_progress" || s.conclusion === "failure";

export function LogView(props: { runId: string; job: Job; log: JobLog | undefined; version: number; now: number; hash: string }) {
  const { job } = props;
  const log = props.log ?? EMPTY;
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const [follow, setFollow] = useState(job.status !== "completed");
  const [stepOverride, setStepOverride] = useState<Map<number, boolean>>(new Map());
  const [openGroups, setOpenGroups] = useState<Set<number>>(new Set());
  const [query, setQuery] = useState("");
  const [matchAt, setMatchAt] = useState(0);
  const [target, setTarget] = useState<number | undefined>();
  const pendingScroll = useRef<number | undefined>(undefined);

  const steps = job.steps.map((s) => s.number);
  // A step seen running stays open when it succeeds, so the lines being watched don't fold away.
  useEffect(() => {
    const running = job.steps.filter((s) => s.status === "in_progress" && !stepOverride.has(s.number));
    if (running.length) setStepOverride((m) => new Map([...m, ...running.map((s) => [s.number, true] as const)]));
  }, [job]);
  const openSteps = new Set(job.steps.filter((s) => stepOverride.get(s.number) ?? openByDefault(s)).map((s) => s.number));
  const rows: Row[] = useMemo(() => visibleRows(log, steps, openSteps, openGroups), [props.version, job, stepOverride, openGroups, log]);
  const matches = useMemo(() => search(log, query), [query, props.version, log]);

  /** Opens the step and group of a line and scrolls it into view once rendered. */
  const reveal = (index: number) => {
    const line = log.lines[index];
    if (!line) return;
    setStepOverride((m) => new Map(m).set(line.step, true));
    if (line.group !== undefined) setOpenGroups((g) => new Set(g).add(line.group!));
    setFollow(false);
    pendingScroll.current = index;
  };

  // Deep links: #L120 (waits for the line when the log is still replaying).
  useEffect(() => {
    const m = /^#L(\d+)$/.exec(props.hash);
    if (!m) return;
    const index = Number(m[1]) - 1;
    if (index < log.lines.length && target !== index) {
      setTarget(index);
      reveal(index);
    }
  }, [props.hash, props.version]);

  useEffect(() => {
    if (matches.length) reveal(matches[Math.min(matchAt, matches.length - 1)]);
  }, [query, matchAt]);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (pendingScroll.current !== undefined) {
      const at = rows.findIndex((r) => r.type === "line" && r.index === pendingScroll.current);
      if (at >= 0) {
        el.scrollTop = Math.max(0, at * ROW - el.clientHeight / 3);
        pendingScroll.current = undefined;
      }
    } else if (follow) {
      el.scrollTop = el.scrollHeight;
    }
    setScrollTop(el.scrollTop);
  }, [rows, follow]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const onScroll = () => {
    const el = box.current!;
    setScrollTop(el.scrollTop);
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW;
    if (atBottom !== follow && job.status !== "completed") setFollow(atBottom);
  };

  const first = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW) + OVERSCAN);
  const current = matches.length ? matches[Math.min(matchAt, matches.length - 1)] : undefined;

  const toggleStep = (n: number) => setStepOverride((m) => new Map(m).set(n, !openSteps.has(n)));
  const toggleGroup = (i: number) =>
    setOpenGroups((g) => {
      const next = new Set(g);
      if (!next.delete(i)) next.add(i);
      return next;
    });

  return (
    <section class="log" aria-label={`log of ${job.name}`}>
      <div class="log-tools">
        <input
          type="search"
          placeholder="Search log"
          aria-label="search log"
          value={query}
          onInput={(e) => {
            setQuery((e.target as HTMLInputElement).value);
            setMatchAt(0);
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter" && matches.length) setMatchAt((m) => (e.shiftKey ? (m - 1 + matches.length) % matches.length : (m + 1) % matches.length));
          }}
        />
        <span class="matches" aria-live="polite">
          {query ? `${matches.length ? Math.min(matchAt, matches.length - 1) + 1 : 0} / ${matches.length}` : ""}
        </span>
        <button onClick={() => setMatchAt((m) => (m - 1 + matches.length) % Math.max(1, matches.length))} disabled={!matches.length} aria-label="previous match">
          ↑
        </button>
        <button onClick={() => setMatchAt((m) => (m + 1) % Math.max(1, matches.length))} disabled={!matches.length} aria-label="next match">
          ↓
        </button>
        <label class="follow">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} /> Follow
        </label>
        <a class="button" href={logUrl(props.runId, job.id)} download={`${job.id}.log`}>
          Download log
        </a>
      </div>
      <div class="log-box" ref={box} onScroll={onScroll} tabIndex={0} aria-label="log lines" data-rows={rows.length}>
        <div style={{ height: `${rows.length * ROW}px`, position: "relative" }}>
          {rows.slice(first, last).map((r, k) => {
            const top = `${(first + k) * ROW}px`;
            if (r.type === "step") {
              const s = job.steps.find((x) => x.number === r.step)!;
              return (
                <button key={`s${r.step}`} class="step-row" style={{ top }} aria-expanded={openSteps.has(r.step)} onClick={() => toggleStep(r.step)} data-step={r.step}>
                  <span class="chev">{openSteps.has(r.step) ? "▾" : "▸"}</span>
                  <StatusIcon status={s.status} conclusion={s.conclusion} />
                  <span class="step-name">{s.name}</span>
                  <span class="dur">{duration(s.startedAt, s.completedAt, props.now)}</span>
                </button>
              );
            }
            const line = log.lines[r.index];
            return (
              <div key={`l${r.index}`} class="row" style={{ top }}>
                <Line line={line} open={openGroups.has(r.index)} onToggle={() => toggleGroup(r.index)} current={current === r.index} target={target === r.index} />
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}
