import type { ListRunsQuery, WorkflowRun } from "../contract/index.js";
import type { RunnerClient } from "../client/index.js";
import { connectStore, runLogText, type Store } from "../store/index.js";
import { findRun } from "../server/runs.js";
import type { Config } from "../config/config.js";
import { findRunner } from "./context.js";

/** Read access to runs: through the runner when one serves the workspace, else the store itself. */
export interface Backend {
  client?: RunnerClient;
  listRuns(q: ListRunsQuery): Promise<WorkflowRun[]>;
  getRun(ref: string): Promise<WorkflowRun>;
  logText(ref: string, only: { job?: string; step?: number }): Promise<string>;
  close(): Promise<void>;
}

function query(q: ListRunsQuery): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
  return p.toString();
}

export async function openBackend(c: Config): Promise<Backend> {
  const client = await findRunner(c);
  if (client) {
    return {
      client,
      listRuns: (q) => client.request("GET", `/api/runs?${query(q)}`),
      getRun: (ref) => client.request("GET", `/api/runs/${encodeURIComponent(ref)}`),
      logText: (ref, only) => client.request("GET", `/api/runs/${encodeURIComponent(ref)}/logs?${new URLSearchParams(Object.entries(only).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]))}`),
      async close() {},
    };
  }
  let store: Promise<Store> | undefined;
  const open = () => (store ??= connectStore(c));
  return {
    listRuns: async (q) => (await open()).runs.list(q),
    getRun: async (ref) => findRun(await open(), ref),
    logText: async (ref, only) => runLogText((await open()).logs, await findRun(await open(), ref), only),
    close: async () => (await store)?.close(),
  };
}
