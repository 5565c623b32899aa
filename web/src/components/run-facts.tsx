/**
 * What tells a run apart, on its page: the inputs it was started with, and the runs it is a
 * re-run of or was re-run as (GitHub's attempts; stax links them both ways).
 */
import { useEffect, useState } from "preact/hooks";
import type { WorkflowRun } from "../../../src/contract/index.js";
import { api } from "../api.js";
import { navigate } from "../router.js";
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

/**
 * The attempts of one run, as GitHub's attempt picker shows them: this run, the runs it re-ran
 * (back to the first) and the re-runs made of them, each a run of its own in stax, numbered by
 * `attempt` (GitHub's `run_attempt`). Read from the newest runs of the workflow.
 */
function chainOf(run: WorkflowRun, runs: WorkflowRun[]): WorkflowRun[] {
  const byId = new Map(runs.map((r) => [r.id, r]));
  byId.set(run.id, run);
  let root = run;
  while (root.rerunOf && byId.has(root.rerunOf.runId)) root = byId.get(root.rerunOf.runId)!;
  const out: WorkflowRun[] = [];
  const add = (r: WorkflowRun) => {
    out.push(r);
    for (const child of [...byId.values()].filter((x) => x.rerunOf?.runId === r.id).sort((a, b) => a.number - b.number))
      add(child);
  };
  add(root);
  return out.sort((a, b) => a.number - b.number);
}

export function Attempts(props: { run: WorkflowRun }) {
  const { run } = props;
  const [runs, setRuns] = useState<WorkflowRun[]>([]);
  useEffect(
    () => void api.runs({ workflow: run.workflow, limit: 200 }).then(setRuns, () => setRuns([])),
    [run.id, run.status],
  );
  const chain = chainOf(run, runs);
  const later = runs.filter((r) => r.rerunOf?.runId === run.id).sort((a, b) => a.number - b.number);
  if (!run.rerunOf && !later.length) return null;
  return (
    <p class="attempts" role="group" aria-label="attempts">
      {chain.length > 1 ? (
        <select
          aria-label="attempt"
          value={run.id}
          onChange={(e) => navigate(`/runs/${(e.target as HTMLSelectElement).value}`)}
        >
          {chain.map((r) => (
            <option key={r.id} value={r.id}>
              Attempt {r.attempt ?? 1} (#{r.number}
              {r.status === "completed" ? `, ${r.conclusion}` : ""})
            </option>
          ))}
        </select>
      ) : null}{" "}
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
