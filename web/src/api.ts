/** The REST API, typed by the shared contract. Errors become `ApiError` with the runner's code. */
import { unreachable } from "./events.js";
import type {
  ApiErrorBody,
  CacheEntryInfo,
  GitRefsResponse,
  ArtifactInfo,
  CreateRunRequest,
  ListRunsQuery,
  RunSnapshot,
  SecretInfo,
  StepGroupsResponse,
  StepLinesResponse,
  StepSearchResponse,
  VarInfo,
  WorkflowInfo,
  WorkflowRun,
  WorkerInfo,
} from "../../src/contract/index.js";

/** What the runner said of itself at start (`/health`): its workspace, for links to files in it. */
export const runner = { workspace: "" };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a request that never reached the runner says (not the browser's "Failed to fetch"). */
export const UNREACHABLE =
  "The runner is not answering, so this was not done. Start it with `stax runner start` and try again; the page reconnects by itself.";

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    // fetch rejects only when no answer came: the runner is down or unreachable.
    unreachable();
    throw new ApiError(
      0,
      "RUNNER_UNAVAILABLE",
      method === "GET" ? "The runner is not answering; this view loads by itself when it is back." : UNREACHABLE,
    );
  }
  const text = await res.text();
  const parsed =
    text && (res.headers.get("content-type") ?? "").includes("json") ? (JSON.parse(text) as unknown) : text;
  if (!res.ok) {
    const e = (parsed as ApiErrorBody | undefined)?.error;
    throw new ApiError(res.status, e?.code ?? "HTTP_" + res.status, e?.message ?? res.statusText);
  }
  return parsed as T;
}

const qs = (q: Record<string, unknown>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
};

const stepPath = (runId: string, job: string, step: number) =>
  `/api/runs/${encodeURIComponent(runId)}/jobs/${encodeURIComponent(job)}/steps/${step}`;

export const api = {
  health: () => call<{ status: string; workspace: string; version: string }>("GET", "/health"),
  workflows: () => call<WorkflowInfo[]>("GET", "/api/workflows"),
  /** One workflow; with `ref`, as that commit has it. */
  workflow: (name: string, ref?: string) =>
    call<{ info: WorkflowInfo }>("GET", `/api/workflows/${encodeURIComponent(name)}${qs({ ref })}`),
  runs: (q: ListRunsQuery) => call<WorkflowRun[]>("GET", `/api/runs${qs({ ...q })}`),
  run: (id: string) => call<RunSnapshot>("GET", `/api/runs/${encodeURIComponent(id)}`),
  stepLines: (runId: string, job: string, step: number, from: number, limit: number) =>
    call<StepLinesResponse>("GET", `${stepPath(runId, job, step)}/lines${qs({ from, limit })}`),
  stepGroups: (runId: string, job: string, step: number) =>
    call<StepGroupsResponse>("GET", `${stepPath(runId, job, step)}/groups`),
  stepSearch: (runId: string, job: string, step: number, q: string, limit: number) =>
    call<StepSearchResponse>("GET", `${stepPath(runId, job, step)}/search${qs({ q, limit })}`),
  startRun: (req: CreateRunRequest) => call<WorkflowRun>("POST", "/api/runs", req),
  cancel: (id: string) => call<WorkflowRun>("POST", `/api/runs/${encodeURIComponent(id)}/cancel`, {}),
  rerun: (id: string, failedOnly: boolean) =>
    call<WorkflowRun>("POST", `/api/runs/${encodeURIComponent(id)}/rerun`, { failedOnly }),
  rerunJob: (id: string, job: string) =>
    call<WorkflowRun>("POST", `/api/runs/${encodeURIComponent(id)}/rerun`, { job }),
  deleteRun: (id: string) => call<WorkflowRun>("DELETE", `/api/runs/${encodeURIComponent(id)}`),
  artifacts: (id: string) => call<ArtifactInfo[]>("GET", `/api/runs/${encodeURIComponent(id)}/artifacts`),
  secrets: () => call<SecretInfo[]>("GET", "/api/secrets"),
  putSecret: (name: string, value: string) =>
    call<unknown>("PUT", `/api/secrets/${encodeURIComponent(name)}`, { value }),
  deleteSecret: (name: string) => call<unknown>("DELETE", `/api/secrets/${encodeURIComponent(name)}`),
  vars: () => call<VarInfo[]>("GET", "/api/vars"),
  putVar: (name: string, value: string) => call<unknown>("PUT", `/api/vars/${encodeURIComponent(name)}`, { value }),
  deleteVar: (name: string) => call<unknown>("DELETE", `/api/vars/${encodeURIComponent(name)}`),
  caches: () => call<CacheEntryInfo[]>("GET", "/api/caches"),
  deleteCache: (id: string) => call<CacheEntryInfo>("DELETE", `/api/caches/${encodeURIComponent(id)}`),
  refs: () => call<GitRefsResponse>("GET", "/api/refs"),
  workers: () => call<WorkerInfo[]>("GET", "/api/workers"),
};

export const artifactUrl = (runId: string, name: string) =>
  `/api/runs/${encodeURIComponent(runId)}/artifacts/${encodeURIComponent(name)}`;
export const logUrl = (runId: string, job?: string) => `/api/runs/${encodeURIComponent(runId)}/logs${qs({ job })}`;
export const stepLogUrl = (runId: string, job: string, step: number) => `${stepPath(runId, job, step)}/log`;
