/**
 * A run's annotations, per job, as GitHub lists them on a run's summary: level, title, message,
 * and `file:line`; each links to the log line that wrote it (`#step2-L14` on the job's page).
 */
import {
  annotationCounts,
  type Annotation,
  type AnnotationLevel,
  type Job,
  type WorkflowRun,
} from "../../../src/contract/index.js";
import { Link } from "./link.js";
import { lineId, positionOf } from "./anchors.js";

const LABEL: Record<AnnotationLevel, string> = { error: "Error", warning: "Warning", notice: "Notice" };
const ICON: Record<AnnotationLevel, string> = { error: "✕", warning: "!", notice: "i" };

export const jobLineHref = (runId: string, job: Job, a: Annotation) =>
  `/runs/${runId}/jobs/${encodeURIComponent(job.id)}#${lineId(a.step, a.logLine)}`;

export function Annotations(props: { run: WorkflowRun }) {
  const jobs = props.run.jobs.filter((j) => j.annotations?.length);
  if (!jobs.length) return null;
  const c = annotationCounts(jobs);
  return (
    <section class="card annotations" aria-label="annotations">
      <h2>
        Annotations{" "}
        <span class="muted">
          {[
            c.error && `${c.error} error${c.error > 1 ? "s" : ""}`,
            c.warning && `${c.warning} warning${c.warning > 1 ? "s" : ""}`,
            c.notice && `${c.notice} notice${c.notice > 1 ? "s" : ""}`,
          ]
            .filter(Boolean)
            .join(", ")}
        </span>
      </h2>
      {jobs.map((j) => (
        <div key={j.id} class="annotation-job">
          <h3>{j.name}</h3>
          <ul aria-label={`annotations of ${j.name}`}>
            {j.annotations!.map((a, i) => (
              <li key={i} class={`annotation level-${a.level}`}>
                <span class="a-icon" role="img" aria-label={LABEL[a.level]} title={LABEL[a.level]}>
                  {ICON[a.level]}
                </span>
                <div>
                  <div>
                    {a.title ? <strong>{a.title}: </strong> : null}
                    {a.message}
                  </div>
                  <Link href={jobLineHref(props.run.id, j, a)} class="a-pos" title="the log line that wrote it">
                    {positionOf(a) || `${j.name} line ${a.logLine}`}
                  </Link>
                </div>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}

/** The run list's counts: `✕ 2 ! 1`, nothing when the run has none. */
export function AnnotationCounts(props: { run: WorkflowRun }) {
  const c = annotationCounts(props.run.jobs);
  const parts = (["error", "warning", "notice"] as const).filter((l) => c[l]);
  if (!parts.length) return <span />;
  return (
    <span class="a-counts" aria-label={parts.map((l) => `${c[l]} ${l}${c[l] > 1 ? "s" : ""}`).join(", ")}>
      {parts.map((l) => (
        <span key={l} class={`level-${l}`} aria-hidden="true">
          {ICON[l]} {c[l]}
        </span>
      ))}
    </span>
  );
}
