/** The runs list: newest first, live, filtered by workflow and status, paged by run number. */
import { useEffect, useState } from "preact/hooks";
import type { ListRunsQuery, WorkflowInfo, WorkflowRun } from "../../../src/contract/index.js";
import { api } from "../api.js";
import { Link } from "../components/link.js";
import { StatusIcon } from "../components/status.js";
import { useTick } from "../components/tick.js";
import { subscribe, useReconnects } from "../events.js";
import { duration, relativeTime } from "../format.js";
import { navigate } from "../router.js";

const PAGE = 25;
const STATUS_FILTERS = ["", "queued", "in_progress", "completed", "success", "failure", "cancelled"];

function matches(run: WorkflowRun, q: ListRunsQuery): boolean {
  if (q.workflow && run.workflow !== q.workflow && !run.workflowFile.includes(q.workflow)) return false;
  if (!q.status) return true;
  return run.status === q.status || (run.status === "completed" && run.conclusion === q.status);
}

export function RunsPage(props: { search: URLSearchParams }) {
  const workflow = props.search.get("workflow") ?? "";
  const status = props.search.get("status") ?? "";
  const before = Number(props.search.get("before")) || undefined;
  const [runs, setRuns] = useState<WorkflowRun[] | undefined>();
  const [error, setError] = useState<string>();
  const [workflows, setWorkflows] = useState<WorkflowInfo[]>([]);
  const now = useTick(1000);
  // Runs that started or ended while the runner was away are read again when it is back.
  const reconnects = useReconnects();

  useEffect(() => void api.workflows().then(setWorkflows, () => {}), []);

  useEffect(() => {
    const q: ListRunsQuery = { workflow: workflow || undefined, status: (status || undefined) as ListRunsQuery["status"], limit: PAGE, before };
    let list: WorkflowRun[] | undefined;
    let early: WorkflowRun[] = [];
    const apply = (run: WorkflowRun) => {
      if (!list) return void early.push(run);
      const i = list.findIndex((r) => r.id === run.id);
      if (i >= 0) list = matches(run, q) ? list.map((r) => (r.id === run.id ? run : r)) : list.filter((r) => r.id !== run.id);
      else if (!before && matches(run, q)) list = [run, ...list].sort((a, b) => b.number - a.number).slice(0, PAGE);
    };
    const stop = subscribe({}, (events) => {
      for (const e of events) if (e.type === "run.started" || e.type === "run.completed") apply(e.data.run);
      if (list) setRuns(list);
    });
    api.runs(q).then(
      (r) => {
        list = r;
        for (const run of early) apply(run);
        early = [];
        setRuns(list);
        setError(undefined);
      },
      (e: Error) => setError(e.message),
    );
    return stop;
  }, [workflow, status, before, reconnects]);

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
            <select value={workflow} onChange={(e) => setFilter("workflow", (e.target as HTMLSelectElement).value)} aria-label="filter by workflow">
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
            <select value={status} onChange={(e) => setFilter("status", (e.target as HTMLSelectElement).value)} aria-label="filter by status">
              {STATUS_FILTERS.map((s) => (
                <option key={s} value={s}>
                  {s ? s.replace("_", " ") : "all"}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      {error ? <p class="error" role="alert">{error}</p> : null}
      {runs && runs.length === 0 ? <p class="empty">No runs yet. Start one from <Link href="/workflows">Workflows</Link> or with <code>stax run</code>.</p> : null}
      <ul class="runs" aria-label="runs">
        {(runs ?? []).map((r) => (
          <li key={r.id} class="run-row" data-run={r.number}>
            <StatusIcon status={r.status} conclusion={r.conclusion} />
            <Link href={`/runs/${r.id}`} class="run-title">
              <strong>{r.workflow}</strong> <span class="muted">#{r.number}</span>
            </Link>
            <span class="muted">{r.trigger.event}</span>
            <span class="muted ref">{r.trigger.ref.replace(/^refs\/heads\//, "")}</span>
            <time class="muted" dateTime={r.createdAt} title={new Date(r.createdAt).toLocaleString()}>
              {relativeTime(r.createdAt, now)}
            </time>
            <span class="dur">{duration(r.startedAt, r.completedAt, now)}</span>
          </li>
        ))}
      </ul>
      <nav class="pager" aria-label="pages">
        {before ? (
          <button onClick={() => history.back()}>Newer</button>
        ) : null}
        {runs && runs.length === PAGE ? (
          <Link href={`/?${new URLSearchParams({ ...(workflow ? { workflow } : {}), ...(status ? { status } : {}), before: String(runs[runs.length - 1].number) })}`}>Older</Link>
        ) : null}
      </nav>
    </main>
  );
}
