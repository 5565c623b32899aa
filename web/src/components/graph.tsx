/**
 * The job graph: jobs as nodes in columns by depth of `needs`, edges as curves, matrix legs
 * grouped in one node. Each job links to its log.
 */
import type { Job, WorkflowRun } from "../../../src/contract/index.js";
import { duration } from "../format.js";
import { Link } from "./link.js";
import { StatusIcon } from "./status.js";

interface Node {
  key: string;
  jobs: Job[];
  needs: string[];
  depth: number;
  x: number;
  y: number;
  h: number;
}

const W = 220;
const GAP_X = 60;
const HEAD = 30;
const LEG = 28;
const GAP_Y = 18;

/** Legs `test (a, b)` group under their definition `test`, which is also how `needs` name them. */
export const baseKey = (j: Job): string => j.definitionId;

export function layout(jobs: Job[]): { nodes: Node[]; width: number; height: number } {
  const byKey = new Map<string, Node>();
  for (const j of jobs) {
    const key = baseKey(j);
    let n = byKey.get(key);
    if (!n) byKey.set(key, (n = { key, jobs: [], needs: [], depth: -1, x: 0, y: 0, h: 0 }));
    n.jobs.push(j);
    for (const d of j.needs) if (!n.needs.includes(d)) n.needs.push(d);
  }
  const depth = (n: Node, seen: Set<string>): number => {
    if (n.depth >= 0) return n.depth;
    if (seen.has(n.key)) return 0;
    seen.add(n.key);
    const parents = n.needs.map((k) => byKey.get(k)).filter((p): p is Node => !!p);
    n.depth = parents.length ? 1 + Math.max(...parents.map((p) => depth(p, seen))) : 0;
    return n.depth;
  };
  const nodes = [...byKey.values()];
  const cols: Node[][] = [];
  for (const n of nodes) (cols[depth(n, new Set())] ??= []).push(n);
  let height = 0;
  cols.forEach((col, c) => {
    let y = 0;
    for (const n of col ?? []) {
      n.x = c * (W + GAP_X);
      n.y = y;
      n.h = HEAD + (n.jobs.length > 1 || n.jobs[0].matrix ? n.jobs.length * LEG : 0);
      y += n.h + GAP_Y;
    }
    height = Math.max(height, y - GAP_Y);
  });
  return { nodes, width: cols.length * (W + GAP_X) - GAP_X, height };
}

function aggregate(jobs: Job[]): { status: Job["status"]; conclusion?: string } {
  if (jobs.some((j) => j.status === "in_progress")) return { status: "in_progress" };
  if (jobs.some((j) => j.status === "queued"))
    return { status: jobs.every((j) => j.status === "queued") ? "queued" : "in_progress" };
  for (const c of ["failure", "cancelled", "success"])
    if (jobs.some((j) => j.conclusion === c)) return { status: "completed", conclusion: c };
  return { status: "completed", conclusion: "skipped" };
}

const jobHref = (run: WorkflowRun, j: Job) => `/runs/${run.id}/jobs/${encodeURIComponent(j.id)}`;

export function JobGraph(props: { run: WorkflowRun; now: number }) {
  const { run } = props;
  const { nodes, width, height } = layout(run.jobs);
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  return (
    <div class="graph" role="group" aria-label="job graph">
      <div class="graph-canvas" style={{ width: `${width}px`, height: `${height}px` }}>
        <svg width={width} height={height} aria-hidden="true">
          {nodes.flatMap((n) =>
            n.needs
              .map((k) => byKey.get(k))
              .filter((p): p is Node => !!p)
              .map((p) => {
                const x1 = p.x + W;
                const y1 = p.y + HEAD / 2;
                const x2 = n.x;
                const y2 = n.y + HEAD / 2;
                return (
                  <path
                    key={`${p.key}->${n.key}`}
                    d={`M${x1},${y1} C${x1 + GAP_X / 2},${y1} ${x2 - GAP_X / 2},${y2} ${x2},${y2}`}
                    class="edge"
                  />
                );
              }),
          )}
        </svg>
        {nodes.map((n) => {
          const agg = aggregate(n.jobs);
          const single = n.jobs.length === 1 && !n.jobs[0].matrix;
          return (
            <div
              key={n.key}
              class={`node node-${agg.status === "completed" ? agg.conclusion : agg.status}`}
              style={{ left: `${n.x}px`, top: `${n.y}px`, width: `${W}px` }}
              data-job={n.key}
            >
              {single ? (
                <Link href={jobHref(run, n.jobs[0])} class="node-head">
                  <StatusIcon status={n.jobs[0].status} conclusion={n.jobs[0].conclusion} />
                  <span class="node-name">{n.jobs[0].name}</span>
                  {/* A re-run of failed jobs keeps this one's result and outputs from the earlier run. */}
                  {n.jobs[0].reusedFrom ? (
                    <span
                      class="dur"
                      title={`not run again: result and outputs from run ${n.jobs[0].reusedFrom.runNumber}`}
                    >
                      reused from #{n.jobs[0].reusedFrom.runNumber}
                    </span>
                  ) : (
                    <span class="dur">{duration(n.jobs[0].startedAt, n.jobs[0].completedAt, props.now)}</span>
                  )}
                </Link>
              ) : (
                <>
                  <div class="node-head">
                    <StatusIcon status={agg.status} conclusion={agg.conclusion} />
                    <span class="node-name">{n.key}</span>
                    <span class="dur">{n.jobs.length} jobs</span>
                  </div>
                  {n.jobs.map((j) => (
                    <Link key={j.id} href={jobHref(run, j)} class="leg">
                      <StatusIcon status={j.status} conclusion={j.conclusion} />
                      <span class="node-name">{j.name}</span>
                      <span class="dur">{duration(j.startedAt, j.completedAt, props.now)}</span>
                    </Link>
                  ))}
                </>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
