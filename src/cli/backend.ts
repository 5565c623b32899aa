import { Readable } from "node:stream";
import { formatRunLog, StaxError, type ArtifactInfo, type ListRunsQuery, type WorkflowRun } from "../contract/index.js";
import { artifactDownload } from "../server/artifacts.js";
import type { RunnerClient } from "../client/index.js";
import { openStore, type Store } from "../store/index.js";
import type { Config } from "../config/config.js";
import { findRunner } from "./context.js";

/** Read access to runs: through the runner when one serves the workspace, else the store itself. */
export interface Backend {
  client?: RunnerClient;
  listRuns(q: ListRunsQuery): Promise<WorkflowRun[]>;
  getRun(ref: string): Promise<WorkflowRun>;
  logText(ref: string, only: { job?: string; step?: number }): Promise<string>;
  listArtifacts(runId: string): Promise<ArtifactInfo[]>;
  /** One artifact's download: a file as itself, a folder as a zip (as the runner serves it). */
  artifact(run: WorkflowRun, name: string): Promise<{ filename: string; stream: Readable }>;
  close(): void;
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
      listArtifacts: (runId) => client.request("GET", `/api/runs/${runId}/artifacts`),
      artifact: async (run, name) => {
        const res = await client.fetchRaw(`/api/runs/${run.id}/artifacts/${encodeURIComponent(name)}`);
        const filename = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? name;
        return { filename, stream: Readable.from(Buffer.from(await res.arrayBuffer())) };
      },
      close() {},
    };
  }
  let store: Store | undefined;
  const open = () => (store ??= openStore(c.dataDir));
  const find = (ref: string): WorkflowRun => {
    const r = open().findRun(ref);
    if (r === "ambiguous") throw new StaxError("RUN_AMBIGUOUS", `'${ref}' matches more than one run`);
    if (!r) throw new StaxError("RUN_NOT_FOUND", `no run '${ref}'`);
    return r;
  };
  return {
    listRuns: async (q) => open().listRuns(q),
    getRun: async (ref) => find(ref),
    logText: async (ref, only) => {
      const run = find(ref);
      return formatRunLog(run, (jobId, n) => open().logs(run.id, jobId, n).map((l) => l.line), only);
    },
    listArtifacts: async (runId) => open().listArtifacts(runId).map(({ path: _path, isDirectory: _dir, ...info }) => info),
    artifact: async (run, name) => {
      const a = open().listArtifacts(run.id).find((x) => x.name === name);
      if (!a) throw new StaxError("ARTIFACT_NOT_FOUND", `run ${run.number} has no artifact '${name}'`);
      return artifactDownload(a);
    },
    close: () => store?.close(),
  };
}
