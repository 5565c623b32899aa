/**
 * What tells a run apart, on its page: the inputs it was started with, and the runs it is a
 * re-run of or was re-run as (GitHub's attempts; stax links them both ways).
 */
import { useEffect, useState } from "preact/hooks";
import type { WorkflowRun } from "../../../src/contract/index.js";
import { api } from "../api.js";
import { Link } from "./link.js";

export function Inputs(props: { run: WorkflowRun }) {
  const entries = Object.entries(props.run.inputs ?? {});
  if (!entries.length) return null;
  return (
    <section class="card inputs" aria-label="inputs">
      <h2>Inputs</h2>
      <dl>
        {entries.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>
              <code>{typeof v === "string" ? v : JSON.stringify(v)}</code>
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** "Re-run of #3" and "Re-run as #5, #6": the chain of attempts around this run. */
export function Attempts(props: { run: WorkflowRun }) {
  const { run } = props;
  const [later, setLater] = useState<WorkflowRun[]>([]);
  useEffect(() => {
    // The list holds each run's `rerunOf`: the re-runs of this one are among the newer runs.
    api.runs({ workflow: run.workflow, limit: 100 }).then((runs) => setLater(runs.filter((r) => r.rerunOf?.runId === run.id).reverse()), () => setLater([]));
  }, [run.id, run.status]);
  if (!run.rerunOf && !later.length) return null;
  return (
    <p class="attempts" role="group" aria-label="attempts">
      {run.rerunOf ? (
        <>
          Re-run of <Link href={`/runs/${run.rerunOf.runId}`}>#{run.rerunOf.runNumber}</Link>.{" "}
        </>
      ) : null}
      {later.length ? (
        <>
          Re-run as{" "}
          {later.map((r, i) => (
            <span key={r.id}>
              {i ? ", " : ""}
              <Link href={`/runs/${r.id}`}>#{r.number}</Link>
            </span>
          ))}
          .
        </>
      ) : null}
    </p>
  );
}
