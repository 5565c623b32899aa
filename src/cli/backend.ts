import { Readable } from "node:stream";
import {
  StaxError,
  type ArtifactInfo,
  type ListRunsQuery,
  type RunSnapshot,
  type WorkflowRun,
} from "../contract/index.js";
import { artifactDownload } from "../host/artifacts.js";
import type { RunnerClient } from "../client/index.js";
import { connectStore, runLogText, type Store } from "../store/index.js";
import { findRun } from "../host/find-run.js";
import type { Config } from "../config/config.js";
import { findRunner } from "./discovery.js";

/** Read access to runs: through the runner when one serves the workspace, else the store itself. */
export interface Backend {
  client?: RunnerClient;
  listRuns(q: ListRunsQuery): Promise<WorkflowRun[]>;
  getRun(ref: string): Promise<WorkflowRun>;
  logText(ref: string, only: { job?: string; step?: number; timestamps?: boolean }): Promise<string>;
  listArtifacts(runId: string): Promise<ArtifactInfo[]>;
  /** One artifact's download: a file as itself, a folder as a zip (as the runner serves it). */
  artifact(run: WorkflowRun, name: string): Promise<{ filename: string; stream: Readable }>;
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
      // The run as the store has it, as without a runner: `lastEventId` is for subscribers.
      getRun: async (ref) => {
        const { lastEventId: _id, ...run } = await client.request<RunSnapshot>(
          "GET",
          `/api/runs/${encodeURIComponent(ref)}`,
        );
        return run;
      },
      logText: (ref, only) =>
        client.request(
          "GET",
          `/api/runs/${encodeURIComponent(ref)}/logs?${new URLSearchParams(
            Object.entries(only)
              .filter(([, v]) => v !== undefined && v !== false)
              .map(([k, v]) => [k, String(v)]),
          )}`,
        ),
      listArtifacts: (runId) => client.request("GET", `/api/runs/${runId}/artifacts`),
      artifact: async (run, name) => {
        const res = await client.fetchRaw(`/api/runs/${run.id}/artifacts/${encodeURIComponent(name)}`);
        const filename = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? name;
        return { filename, stream: Readable.from(Buffer.from(await res.arrayBuffer())) };
      },
      async close() {},
    };
  }
  let store: Promise<Store> | undefined;
  const open = () => (store ??= connectStore(c));
  return {
    listRuns: async (q) => (await open()).runs.list(q),
    getRun: async (ref) => findRun(await open(), ref),
    logText: async (ref, only) => runLogText((await open()).logs, await findRun(await open(), ref), only),
    listArtifacts: async (runId) =>
      (await (await open()).artifacts.list(runId)).map(({ files: _f, isDirectory: _d, ...info }) => info),
    artifact: async (run, name) => {
      const s = await open();
      const a = (await s.artifacts.list(run.id)).find((x) => x.name === name);
      if (!a) throw new StaxError("ARTIFACT_NOT_FOUND", `run ${run.number} has no artifact '${name}'`);
      return artifactDownload(s, a);
    },
    close: async () => (await store)?.close(),
  };
}
