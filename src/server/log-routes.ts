import {
  MAX_LINES_PAGE,
  MAX_SEARCH_MATCHES,
  StaxError,
  type Job,
  type StepLinesResponse,
  type StepSearchResponse,
  type WorkflowRun,
} from "../contract/index.js";
import type { ServerResponse } from "node:http";
import type { Store } from "../store/index.js";
import { int, route, sendJson, type Route } from "./http.js";
import type { RunManager } from "./runs.js";

/** Lines of one search query at most (a longer one is no search a person types). */
const MAX_QUERY = 1000;

/** The job and step a log route names, from the run as the runner knows it now. */
async function stepOf(
  d: { runs: RunManager },
  params: Record<string, string>,
): Promise<{ run: WorkflowRun; job: Job; step: number }> {
  const run = await d.runs.find(params.id);
  const job = run.jobs.find((j) => j.id === params.job);
  if (!job) throw new StaxError("STEP_NOT_FOUND", `run ${run.number} has no job '${params.job}'`);
  const step = /^\d{1,6}$/.test(params.n) ? Number(params.n) : NaN;
  if (!job.steps.some((s) => s.number === step))
    throw new StaxError("STEP_NOT_FOUND", `job '${job.id}' of run ${run.number} has no step ${params.n}`);
  return { run, job, step };
}

/** Resolves when the response drains or closes (listeners removed either way). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done).off("close", done);
      resolve();
    };
    res.on("drain", done).on("close", done);
  });
}

/** A `limit` from 1 on; larger than `cap` reads as `cap`. */
function limitOf(q: URLSearchParams, fallback: number, cap: number): number {
  return Math.min(cap, int(q, "limit", 1, Number.MAX_SAFE_INTEGER) ?? fallback);
}

/** A step's log by range, searched, its group markers and its text (issue 14: logs of any size). */
export function logRoutes(d: { store: Store; runs: RunManager }): Route[] {
  const base = "/api/runs/:id/jobs/:job/steps/:n";
  return [
    route("GET", `${base}/lines`, async ({ res, params, query }) => {
      const from = int(query, "from", 0, Number.MAX_SAFE_INTEGER) ?? 0;
      const limit = limitOf(query, 1000, MAX_LINES_PAGE);
      const { run, job, step } = await stepOf(d, params);
      sendJson(res, 200, (await d.store.logs.page(run.id, job.id, step, from, limit)) satisfies StepLinesResponse);
    }),
    route("GET", `${base}/search`, async ({ res, params, query }) => {
      const q = query.get("q") ?? "";
      if (!q) throw new StaxError("BAD_REQUEST", "'q' is required: the text to look for");
      if (q.length > MAX_QUERY) throw new StaxError("BAD_REQUEST", `'q' may be at most ${MAX_QUERY} characters`);
      const from = int(query, "from", 0, Number.MAX_SAFE_INTEGER) ?? 0;
      const limit = limitOf(query, 100, MAX_SEARCH_MATCHES);
      const { run, job, step } = await stepOf(d, params);
      sendJson(
        res,
        200,
        (await d.store.logs.search(run.id, job.id, step, q, from, limit)) satisfies StepSearchResponse,
      );
    }),
    route("GET", `${base}/groups`, async ({ res, params }) => {
      const { run, job, step } = await stepOf(d, params);
      sendJson(res, 200, await d.store.logs.groups(run.id, job.id, step));
    }),
    route("GET", `${base}/log`, async ({ res, params }) => {
      const { run, job, step } = await stepOf(d, params);
      const name = `${run.number}-${job.id.replace(/[^\w.-]+/g, "_")}-step${step}.log`;
      res.writeHead(200, {
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Disposition": `attachment; filename="${name}"`,
      });
      try {
        // Chunk by chunk, waiting for the socket: a 1M-line step never sits in memory whole.
        for await (const text of d.store.logs.text(run.id, job.id, step)) {
          if (res.destroyed) return;
          if (!res.write(text)) await drained(res);
        }
        res.end();
      } catch {
        // The store failed midway (the run deleted meanwhile): the download ends early.
        res.destroy();
      }
    }),
  ];
}
