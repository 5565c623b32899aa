/**
 * A job's log: steps as foldable sections, `##[group]` folds, ANSI colours, annotations, line
 * links (`#step2-L120`), search on the runner, follow-tail, timestamps, downloads. Rows are virtual over
 * each step's known line count; only the rows in view are in the DOM and only their pages are
 * fetched, so opening a log costs the same at 10 lines and at 1,000,000.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Job, Step } from "../../../src/contract/index.js";
import { logUrl, stepLogUrl } from "../api.js";
import { duration } from "../format.js";
import type { JobLogs } from "../log/job-logs.js";
import { groupAt, groupsOf, RowIndex } from "../log/rows.js";
import { useLogSearch, type Match } from "../log/search.js";
import { LogLine } from "./log-line.js";
import { StatusIcon } from "./status.js";

const ROW = 20;
const OVERSCAN = 30;
/** Taller content is scrolled proportionally: browsers cap an element's height near 16–33M px. */
const MAX_PX = 10_000_000;

/** Where the Timestamps toggle is remembered (per browser, like GitHub's). */
const TIMESTAMPS_KEY = "stax.log.timestamps";

/** The remembered toggle; off where storage is not available (a private window may refuse it). */
function savedTimestamps(): boolean {
  try {
    return localStorage.getItem(TIMESTAMPS_KEY) === "1";
  } catch {
    return false;
  }
}

/** A running or failed step shows its lines; the others are folded until clicked. */
const openByDefault = (s: Step) => s.status === "in_progress" || s.conclusion === "failure";

export function LogView(props: { runId: string; job: Job; logs: JobLogs; version: number; now: number; hash: string }) {
  const { job, logs } = props;
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const [follow, setFollow] = useState(job.status !== "completed");
  const [timestamps, setTimestamps] = useState(savedTimestamps);
  const toggleTimestamps = (on: boolean) => {
    setTimestamps(on);
    try {
      localStorage.setItem(TIMESTAMPS_KEY, on ? "1" : "0");
    } catch {
      // Not remembered: the toggle still works on this page.
    }
  };
  const [stepOverride, setStepOverride] = useState<Map<number, boolean>>(new Map());
  const [openGroups, setOpenGroups] = useState<Set<string>>(new Set());
  const [query, setQuery] = useState("");
  const [matchAt, setMatchAt] = useState(0);
  const [target, setTarget] = useState<Match | undefined>();
  /** The step whose `run:` script is shown above the log. */
  const [scriptOf, setScriptOf] = useState<number>();
  /** A line to scroll to once its step's rows are known. */
  const [reveal, setReveal] = useState<Match | undefined>();

  // A step seen running stays open when it succeeds, so the lines being watched don't fold away.
  useEffect(() => {
    const running = job.steps.filter((s) => s.status === "in_progress" && !stepOverride.has(s.number));
    if (running.length) setStepOverride((m) => new Map([...m, ...running.map((s) => [s.number, true] as const)]));
  }, [job]);
  // Follow is for a job that writes: once it has ended the box says so by unticking.
  useEffect(() => {
    if (job.status === "completed") setFollow(false);
  }, [job.status]);
  const openSteps = new Set(
    job.steps.filter((s) => stepOverride.get(s.number) ?? openByDefault(s)).map((s) => s.number),
  );
  useEffect(() => openSteps.forEach((n) => logs.open(n)), [[...openSteps].join(), logs]);

  const rows = useMemo(
    () =>
      new RowIndex(
        job.steps.map((s) => ({
          step: s.number,
          open: openSteps.has(s.number),
          total: logs.step(s.number).total ?? 0,
          markers: logs.step(s.number).markers,
        })),
        openGroups,
      ),
    [props.version, job, stepOverride, openGroups, logs],
  );
  const search = useLogSearch(props.runId, job, query);
  const current = search.matches.length ? search.matches[Math.min(matchAt, search.matches.length - 1)] : undefined;

  /** Opens a line's step (and later its group) and scrolls to it once its rows are known. */
  const goTo = (m: Match) => {
    setStepOverride((o) => new Map(o).set(m.step, true));
    logs.open(m.step);
    setFollow(false);
    setReveal({ ...m });
  };

  // Line links: #step2-L120, after a reload too (the step's count is fetched, then the page around the line).
  useEffect(() => {
    const m = /^#step(\d+)-L(\d+)$/.exec(props.hash);
    if (!m) return;
    const t = { step: Number(m[1]), n: Number(m[2]) };
    setTarget(t);
    goTo(t);
  }, [props.hash]);

  useEffect(() => {
    if (current) goTo(current);
  }, [current?.step, current?.n]);

  const full = rows.length * ROW;
  const scrollable = Math.min(full, MAX_PX);
  const visible = height / ROW;
  /** The (fractional) row at the top of the view. */
  const anchor =
    full <= MAX_PX
      ? scrollTop / ROW
      : (scrollTop / Math.max(1, scrollable - height)) * Math.max(0, rows.length - visible);
  const scrollFor = (row: number) =>
    full <= MAX_PX ? row * ROW : (row / Math.max(1, rows.length - visible)) * (scrollable - height);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const m = reveal;
    if (m) {
      const s = logs.step(m.step);
      const group = s.total !== undefined ? groupAt(groupsOf(s.markers, s.total), m.n) : undefined;
      if (group && !openGroups.has(`${m.step}:${group.start}`))
        setOpenGroups((g) => new Set(g).add(`${m.step}:${group.start}`));
      else if (s.total !== undefined && s.total >= m.n) {
        const at = rows.rowOf(m.step, m.n);
        if (at !== undefined) {
          el.scrollTop = Math.max(0, scrollFor(Math.max(0, at - visible / 3)));
          setReveal(undefined);
        }
      }
    } else if (follow) {
      el.scrollTop = el.scrollHeight;
    }
    setScrollTop(el.scrollTop);
  }, [rows, follow, reveal]);

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

  const first = Math.max(0, Math.floor(anchor) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil(anchor + visible) + OVERSCAN);
  const toggleStep = (n: number) => setStepOverride((m) => new Map(m).set(n, !openSteps.has(n)));
  const toggleGroup = (key: string) =>
    setOpenGroups((g) => {
      const next = new Set(g);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  const step = (delta: number) =>
    setMatchAt((m) => (m + delta + search.matches.length) % Math.max(1, search.matches.length));

  const groups = new Map<number, ReturnType<typeof groupsOf>>();
  const groupsOfStep = (n: number) => {
    let g = groups.get(n);
    if (!g) groups.set(n, (g = groupsOf(logs.step(n).markers, logs.step(n).total ?? 0)));
    return g;
  };
  const shown = [];
  for (let r = first; r < last; r++) {
    const row = rows.at(r);
    const top = `${scrollTop + (r - anchor) * ROW}px`;
    if (row.type === "step") {
      const s = job.steps.find((x) => x.number === row.step)!;
      shown.push(
        <div key={`s${row.step}`} class="step-row" style={{ top }}>
          <button
            class="step-toggle"
            aria-expanded={openSteps.has(row.step)}
            onClick={() => toggleStep(row.step)}
            data-step={row.step}
          >
            <span class="chev">{openSteps.has(row.step) ? "▾" : "▸"}</span>
            <StatusIcon status={s.status} conclusion={s.conclusion} />
            <span class="step-name">{s.name}</span>
            {s.conclusion === "cancelled" ? (
              <span class="step-note">cancelled</span>
            ) : s.conclusion === "skipped" ? (
              <span class="step-note">skipped</span>
            ) : null}
          </button>
          <span class="dur">{duration(s.startedAt, s.completedAt, props.now)}</span>
          {s.script !== undefined ? (
            <button
              class="step-script-btn"
              onClick={() => setScriptOf(scriptOf === s.number ? undefined : s.number)}
              aria-pressed={scriptOf === s.number}
              aria-label={`script of step ${s.number}`}
              title="the run: script of this step"
            >
              {"</>"}
            </button>
          ) : null}
          <a
            class="step-dl"
            href={stepLogUrl(props.runId, job.id, row.step)}
            download
            aria-label={`download step ${row.step}`}
            title={`download the log of step ${row.step}`}
          >
            ⤓
          </a>
        </div>,
      );
      continue;
    }
    const group = logs.step(row.step).markers.size ? groupAt(groupsOfStep(row.step), row.n) : undefined;
    const key = `${row.step}:${row.n}`;
    shown.push(
      <div key={`l${key}`} class="row" style={{ top }}>
        <LogLine
          step={row.step}
          n={row.n}
          text={logs.text(row.step, row.n)}
          inGroup={group !== undefined}
          open={openGroups.has(key)}
          onToggle={() => toggleGroup(key)}
          current={current?.step === row.step && current.n === row.n}
          target={target?.step === row.step && target.n === row.n}
          query={query}
          timestamps={timestamps}
          t={timestamps ? logs.time(row.step, row.n) : undefined}
        />
      </div>,
    );
  }

  const scriptStep = scriptOf !== undefined ? job.steps.find((x) => x.number === scriptOf) : undefined;
  const topRow = rows.length ? rows.at(Math.min(rows.length - 1, Math.floor(anchor))) : undefined;
  const stuck = topRow && topRow.type !== "step" ? job.steps.find((x) => x.number === topRow.step) : undefined;

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
            if (e.key === "Enter" && search.matches.length) step(e.shiftKey ? -1 : 1);
          }}
        />
        <span class="matches" aria-live="polite">
          {query && !search.busy
            ? `${search.matches.length ? Math.min(matchAt, search.matches.length - 1) + 1 : 0} / ${search.total}`
            : ""}
        </span>
        <button onClick={() => step(-1)} disabled={!search.matches.length} aria-label="previous match">
          ↑
        </button>
        <button onClick={() => step(1)} disabled={!search.matches.length} aria-label="next match">
          ↓
        </button>
        <label class="timestamps">
          <input
            type="checkbox"
            checked={timestamps}
            onChange={(e) => toggleTimestamps((e.target as HTMLInputElement).checked)}
          />{" "}
          Timestamps
        </label>
        <label class="follow">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} />{" "}
          Follow
        </label>
        <a class="button" href={logUrl(props.runId, job.id)} download={`${job.id}.log`}>
          Download log
        </a>
      </div>
      {scriptStep?.script !== undefined ? (
        <div class="step-script" role="region" aria-label={`script of ${scriptStep.name}`}>
          <div class="step-script-head">
            <span>
              <code>run:</code> of step {scriptStep.number}, {scriptStep.name}{" "}
              <span class="muted">(as written; expressions are evaluated when it runs)</span>
            </span>
            <button onClick={() => setScriptOf(undefined)} aria-label="close the script">
              ✕
            </button>
          </div>
          <pre>{scriptStep.script}</pre>
        </div>
      ) : null}
      <div class="log-wrap">
        {stuck ? (
          // Deep in a long step its header row is far above: this one stays, and folds the step back.
          <div class="sticky-step" data-testid="sticky-step">
            <button
              class="step-toggle"
              onClick={() => toggleStep(stuck.number)}
              aria-label={`step ${stuck.number}: ${stuck.name} (fold)`}
            >
              <span class="chev">▾</span>
              <StatusIcon status={stuck.status} conclusion={stuck.conclusion} />
              <span class="step-name">{stuck.name}</span>
            </button>
          </div>
        ) : null}
        <div class="log-box" ref={box} onScroll={onScroll} tabIndex={0} aria-label="log lines" data-rows={rows.length}>
          <div style={{ height: `${scrollable}px`, position: "relative" }}>{shown}</div>
        </div>
      </div>
    </section>
  );
}
