/** One run: header, actions, job graph, jobs, logs, artifacts and job summaries, all live. */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ArtifactInfo, Job, WorkflowRun } from "../../../src/contract/index.js";
import { api, artifactUrl } from "../api.js";
import { Annotations } from "../components/annotations.js";
import { JobGraph } from "../components/graph.js";
import { Attempts, Inputs } from "../components/run-facts.js";
import { Link } from "../components/link.js";
import { LogView } from "../components/log-view.js";
import { StatusIcon } from "../components/status.js";
import { useTick } from "../components/tick.js";
import { duration } from "../format.js";
import { renderMarkdown } from "../markdown.js";
import { navigate, useTitle } from "../router.js";
import { JobLogs } from "../log/job-logs.js";
import { useRun, type LogSink } from "../run-state.js";

function Actions(props: { run: WorkflowRun; job?: Job }) {
  const { run, job } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const act = async (f: () => Promise<WorkflowRun>, go: string | boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await f();
      if (go) navigate(typeof go === "string" ? go : `/runs/${r.id}`);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const failed = run.jobs.some((j) => j.conclusion === "failure" || j.conclusion === "cancelled");
  return (
    <div class="actions">
      {run.status !== "completed" ? (
        <button class="danger" disabled={busy} onClick={() => act(() => api.cancel(run.id), false)}>
          Cancel run
        </button>
      ) : (
        <>
          <button disabled={busy} onClick={() => act(() => api.rerun(run.id, false), true)}>
            Re-run all jobs
          </button>
          {failed ? (
            <button disabled={busy} onClick={() => act(() => api.rerun(run.id, true), true)}>
              Re-run failed jobs
            </button>
          ) : null}
          {job ? (
            <button
              disabled={busy}
              onClick={() => act(() => api.rerunJob(run.id, job.id), true)}
              title="this job (or leg) and the jobs that need it; the others keep their results"
            >
              Re-run this job
            </button>
          ) : null}
          {confirming ? (
            <span class="confirm" role="group" aria-label="confirm delete">
              Delete run #{run.number}, its logs and artifacts?{" "}
              <button class="danger" disabled={busy} onClick={() => act(() => api.deleteRun(run.id), "/")}>
                Delete
              </button>{" "}
              <button onClick={() => setConfirming(false)}>Keep</button>
            </span>
          ) : (
            <button class="danger" disabled={busy} onClick={() => setConfirming(true)}>
              Delete run…
            </button>
          )}
        </>
      )}
      {error ? (
        <span class="error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

function Artifacts(props: { run: WorkflowRun }) {
  const [list, setList] = useState<ArtifactInfo[]>([]);
  useEffect(() => void api.artifacts(props.run.id).then(setList, () => setList([])), [props.run.id, props.run.status]);
  if (!list.length) return null;
  return (
    <section class="card" aria-label="artifacts">
      <h2>Artifacts</h2>
      <ul class="artifacts">
        {list.map((a) => (
          <li key={a.id}>
            <a href={artifactUrl(props.run.id, a.name)} download>
              {a.name}
            </a>{" "}
            <span class="muted">{a.size.toLocaleString()} bytes</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** A job's log: its own `JobLogs`, fed by the run's stream while it is shown. */
function JobLog(props: { runId: string; job: Job; sink: { current: LogSink | undefined }; now: number; hash: string }) {
  const [version, setVersion] = useState(0);
  const logs = useMemo(
    () => new JobLogs(props.runId, props.job.id, () => setVersion((v) => v + 1)),
    [props.runId, props.job.id],
  );
  props.sink.current = { live: (e) => logs.live(e), resync: (since) => logs.resync(since) };
  useEffect(() => () => void (props.sink.current = undefined), [logs]);
  const from = props.job.reusedFrom;
  if (from)
    return (
      <section class="card reused" aria-label={`log of ${props.job.name}`}>
        <p>
          This job was not run again: its result and outputs are those of run{" "}
          <Link href={`/runs/${from.runId}`}>#{from.runNumber}</Link>.{" "}
          <Link href={`/runs/${from.runId}/jobs/${encodeURIComponent(props.job.id)}`}>
            Open its log in run #{from.runNumber}
          </Link>
        </p>
      </section>
    );
  return (
    <LogView runId={props.runId} job={props.job} logs={logs} version={version} now={props.now} hash={props.hash} />
  );
}

export function RunPage(props: { id: string; job?: string; hash: string }) {
  const sink = useRef<LogSink | undefined>(undefined);
  const state = useRun(props.id, props.job, sink);
  const run = state.run;
  const now = useTick(1000, run?.status !== "completed");
  const shownJob = props.job && run ? run.jobs.find((j) => j.id === props.job) : undefined;
  useTitle(run ? `${shownJob ? `${shownJob.name} · ` : ""}${run.displayTitle ?? run.workflow} #${run.number}` : "Run");
  if (state.error)
    return (
      <main class="page">
        <p class="error" role="alert">
          {state.error}
        </p>
        <Link href="/">Back to runs</Link>
      </main>
    );
  if (!run)
    return (
      <main class="page">
        <p class="muted">Loading…</p>
      </main>
    );
  const job = props.job ? run.jobs.find((j) => j.id === props.job) : undefined;
  return (
    <main class="page run-page">
      <header class="run-head">
        <h1>
          <StatusIcon status={run.status} conclusion={run.conclusion} />{" "}
          <span class="title-text">{run.displayTitle ?? run.workflow}</span> <span class="muted">#{run.number}</span>
        </h1>
        <p class="subtitle muted">
          {run.workflow} · {run.trigger.actor ? <>{run.trigger.actor} · </> : null}
          {run.trigger.commitSubject ? <span class="commit-subject">{run.trigger.commitSubject}</span> : null}
        </p>
        <Attempts run={run} />
        <dl class="facts">
          <div>
            <dt>Status</dt>
            <dd data-testid="run-status">
              {run.status === "completed" ? run.conclusion : run.status.replace("_", " ")}
            </dd>
          </div>
          <div>
            <dt>Event</dt>
            <dd>{run.trigger.event}</dd>
          </div>
          <div>
            <dt>Ref</dt>
            <dd>
              {run.trigger.ref.replace(/^refs\/heads\//, "")} <code>{run.trigger.sha.slice(0, 7)}</code>
            </dd>
          </div>
          <div>
            <dt>Triggered</dt>
            <dd>
              <time dateTime={run.createdAt}>{new Date(run.createdAt).toLocaleString()}</time>
            </dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{duration(run.startedAt, run.completedAt, now)}</dd>
          </div>
          <div>
            <dt>File</dt>
            <dd>
              <code>{run.workflowFile}</code>
            </dd>
          </div>
        </dl>
        <Actions run={run} job={shownJob} />
      </header>
      <div class="run-body">
        <nav class="jobs" aria-label="jobs">
          <Link href={`/runs/${run.id}`} class={!job ? "active" : ""} aria-current={!job ? "page" : undefined}>
            Summary
          </Link>
          {run.jobs.map((j) => (
            <Link
              key={j.id}
              href={`/runs/${run.id}/jobs/${encodeURIComponent(j.id)}`}
              class={job?.id === j.id ? "active" : ""}
              aria-current={job?.id === j.id ? "page" : undefined}
            >
              <StatusIcon status={j.status} conclusion={j.conclusion} /> <span>{j.name}</span>
              <span class="dur">{duration(j.startedAt, j.completedAt, now)}</span>
            </Link>
          ))}
        </nav>
        <div class="run-main">
          {job ? (
            <JobLog key={job.id} runId={run.id} job={job} sink={sink} now={now} hash={props.hash} />
          ) : props.job ? (
            <p class="error" role="alert">
              This run has no job '{props.job}'.
            </p>
          ) : (
            <>
              <Annotations run={run} />
              <JobGraph run={run} now={now} />
              <Inputs run={run} />
              <Artifacts run={run} />
              {run.jobs
                .filter((j) => j.summary)
                .map((j) => (
                  <section key={j.id} class="card summary" aria-label={`summary of ${j.name}`}>
                    <h2>{j.name} summary</h2>
                    <div class="markdown" dangerouslySetInnerHTML={{ __html: renderMarkdown(j.summary!) }} />
                  </section>
                ))}
            </>
          )}
        </div>
      </div>
    </main>
  );
}
