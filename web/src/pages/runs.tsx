/** The runs list: newest first, live, filtered by workflow and status, paged by run number. */
import { useEffect, useState } from "preact/hooks";
import type { ListRunsQuery, WorkflowInfo, WorkflowRun } from "../../../src/contract/index.js";
import { api } from "../api.js";
import { Link } from "../components/link.js";
import { StatusIcon } from "../components/status.js";
import { useTick } from "../components/tick.js";
import { subscribe, useReconnects } from "../events.js";
import { duration, relativeTime } from "../format.js";
import { navigate, useTitle } from "../router.js";
import { AnnotationCounts } from "../components/annotations.js";
import { anyFilter, branchOf, passes, TEXT_FILTERS, WIDE_PAGE, type TextFilters } from "./run-filters.js";

const PAGE = 25;
const STATUS_FILTERS = ["", "queued", "in_progress", "completed", "success", "failure", "cancelled"];

function matches(run: WorkflowRun, q: ListRunsQuery, f: TextFilters): boolean {
  if (!passes(run, f)) return false;
  if (q.workflow && run.workflow !== q.workflow && !run.workflowFile.includes(q.workflow)) return false;
  if (!q.status) return true;
  return run.status === q.status || (run.status === "completed" && run.conclusion === q.status);
}

/** A text filter of the run list, offering the values of the runs shown (its datalist `list`). */
function TextFilter(props: {
  label: string;
  name: string;
  list: string;
  value: string | undefined;
  size: number;
  onChange: (name: string, value: string) => void;
}) {
  return (
    <label>
      {props.label}{" "}
      <input
        list={props.list}
        value={props.value}
        size={props.size}
        onChange={(e) => props.onChange(props.name, (e.target as HTMLInputElement).value.trim())}
        aria-label={`filter by ${props.name}`}
      />
    </label>
  );
}

function newerHref(search: URLSearchParams, first: number | undefined): string {
  const p = new URLSearchParams(search);
  p.delete("before");
  if (first !== undefined) p.set("before", String(first + PAGE + 1));
  return `/${p.size ? `?${p}` : ""}`;
}

export function RunsPage(props: { search: URLSearchParams }) {
  const workflow = props.search.get("workflow") ?? "";
  const status = props.search.get("status") ?? "";
  const before = Number(props.search.get("before")) || undefined;
  const f: TextFilters = Object.fromEntries(TEXT_FILTERS.map((k) => [k, props.search.get(k) ?? ""]));
  const filtered = anyFilter(f) || !!workflow || !!status;
  const [text, setText] = useState(f.q ?? "");
  useTitle(filtered ? "Runs (filtered)" : "Runs");
  const [runs, setRuns] = useState<WorkflowRun[] | undefined>();
  const [error, setError] = useState<string>();
  const [workflows, setWorkflows] = useState<WorkflowInfo[]>([]);
  const now = useTick(1000);
  // Runs that started or ended while the runner was away are read again when it is back.
  const reconnects = useReconnects();

  useEffect(() => void api.workflows().then(setWorkflows, () => {}), []);

  useEffect(() => {
    const wide = anyFilter(f);
    const q: ListRunsQuery = {
      workflow: workflow || undefined,
      status: (status || undefined) as ListRunsQuery["status"],
      limit: wide ? WIDE_PAGE : PAGE,
      before,
    };
    let list: WorkflowRun[] | undefined;
    let early: WorkflowRun[] = [];
    const apply = (run: WorkflowRun) => {
      if (!list) return void early.push(run);
      const i = list.findIndex((r) => r.id === run.id);
      if (i >= 0)
        list = matches(run, q, f) ? list.map((r) => (r.id === run.id ? run : r)) : list.filter((r) => r.id !== run.id);
      else if (!before && matches(run, q, f)) list = [run, ...list].sort((a, b) => b.number - a.number).slice(0, PAGE);
    };
    const stop = subscribe({}, (events) => {
      for (const e of events) if (e.type === "run.started" || e.type === "run.completed") apply(e.data.run);
      if (list) setRuns(list);
    });
    api.runs(q).then(
      (r) => {
        list = wide ? r.filter((x) => passes(x, f)).slice(0, PAGE) : r;
        for (const run of early) apply(run);
        early = [];
        setRuns(list);
        setError(undefined);
      },
      (e: Error) => setError(e.message),
    );
    return stop;
  }, [workflow, status, before, reconnects, ...TEXT_FILTERS.map((k) => f[k])]);

  const setFilter = (k: string, v: string) => {
    const p = new URLSearchParams(props.search);
    if (v) p.set(k, v);
    else p.delete(k);
    p.delete("before");
    navigate(`/${p.size ? `?${p}` : ""}`);
  };
  const names = [...new Set(workflows.filter((w) => !w.errors?.length).map((w) => w.name))];

  return (
    <main class="page">
      <div class="page-head">
        <h1>Runs</h1>
        <div class="filters">
          <label>
            Workflow{" "}
            <select
              value={workflow}
              onChange={(e) => setFilter("workflow", (e.target as HTMLSelectElement).value)}
              aria-label="filter by workflow"
            >
              <option value="">all</option>
              {names.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <label>
            Status{" "}
            <select
              value={status}
              onChange={(e) => setFilter("status", (e.target as HTMLSelectElement).value)}
              aria-label="filter by status"
            >
              {STATUS_FILTERS.map((s) => (
                <option key={s} value={s}>
                  {s ? s.replace("_", " ") : "all"}
                </option>
              ))}
            </select>
          </label>
          <TextFilter
            label="Branch"
            name="branch"
            list="run-branches"
            value={f.branch}
            size={10}
            onChange={setFilter}
          />
          <TextFilter label="Event" name="event" list="run-events" value={f.event} size={10} onChange={setFilter} />
          <TextFilter label="Actor" name="actor" list="run-actors" value={f.actor} size={8} onChange={setFilter} />
          <form
            role="search"
            onSubmit={(e) => {
              e.preventDefault();
              setFilter("q", text.trim());
            }}
          >
            <input
              type="search"
              placeholder="Search runs"
              value={text}
              onInput={(e) => setText((e.target as HTMLInputElement).value)}
              aria-label="search runs"
            />
          </form>
          {[
            ["run-branches", [...new Set((runs ?? []).map(branchOf))]],
            ["run-events", [...new Set((runs ?? []).map((r) => r.trigger.event))]],
            ["run-actors", [...new Set((runs ?? []).map((r) => r.trigger.actor ?? ""))]],
          ].map(([id, values]) => (
            <datalist key={id as string} id={id as string}>
              {(values as string[]).filter(Boolean).map((v) => (
                <option key={v} value={v} />
              ))}
            </datalist>
          ))}
        </div>
      </div>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {runs && runs.length === 0 && filtered ? (
        <p class="empty">
          No runs match these filters. <Link href="/">Clear the filters</Link>
        </p>
      ) : runs && runs.length === 0 && before ? (
        <p class="empty">No older runs.</p>
      ) : runs && runs.length === 0 ? (
        <p class="empty">
          No runs yet. Start one from <Link href="/workflows">Workflows</Link> or with <code>stax run</code>.
        </p>
      ) : null}
      <ul class="runs" aria-label="runs">
        {(runs ?? []).map((r) => (
          <li key={r.id} class="run-row" data-run={r.number}>
            <StatusIcon status={r.status} conclusion={r.conclusion} />
            <div class="run-text">
              <Link href={`/runs/${r.id}`} class="run-title">
                <strong>{r.displayTitle ?? r.workflow}</strong> <span class="muted">#{r.number}</span>
              </Link>
              <div class="run-sub muted">
                {r.workflow}
                {r.rerunOf ? ` · re-run of #${r.rerunOf.runNumber}` : ""} · <code>{r.trigger.sha.slice(0, 7)}</code>
                {r.trigger.commitSubject ? <span class="commit-subject"> {r.trigger.commitSubject}</span> : null}
                {r.trigger.actor ? ` · ${r.trigger.actor}` : ""}
              </div>
            </div>
            <AnnotationCounts run={r} />
            <span class="muted">{r.trigger.event}</span>
            <span class="muted ref">{branchOf(r)}</span>
            <time class="muted" dateTime={r.createdAt} title={new Date(r.createdAt).toLocaleString()}>
              {relativeTime(r.createdAt, now)}
            </time>
            <span class="dur">{duration(r.startedAt, r.completedAt, now)}</span>
          </li>
        ))}
      </ul>
      <nav class="pager" aria-label="pages">
        {before ? (
          // Runs are numbered in order: the newer page ends a page above this one's first run. A link in
          // the app, not history.back(), which leaves it when this page was opened directly.
          <Link href={newerHref(props.search, runs?.[0]?.number)}>Newer</Link>
        ) : null}
        {runs && runs.length === PAGE ? (
          <Link
            href={`/?${new URLSearchParams({ ...Object.fromEntries(props.search), before: String(runs[runs.length - 1].number) })}`}
          >
            Older
          </Link>
        ) : null}
      </nav>
    </main>
  );
}
