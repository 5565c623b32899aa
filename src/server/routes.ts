import {
  RUN_CONCLUSIONS,
  STATUSES,
  StaxError,
  type CreateRunRequest,
  type HealthResponse,
  type ListRunsQuery,
  type WorkerInfo,
} from "../contract/index.js";
import { parseDotenv } from "../config/dotenv.js";
import { isSafeName, isVarName, runLogText, type SecretVault, type Store } from "../store/index.js";
import { listWorkflowsOffThread, resolveWorkflow } from "../workflow/index.js";
import { artifactDownload } from "../host/artifacts.js";
import { workflowAt } from "../host/workflow-at.js";
import { expectObject, int, route, sendJson, type Route } from "./http.js";
import { logRoutes } from "./log-routes.js";
import { refsRoutes } from "./refs-routes.js";
import { eventRoutes } from "./event-routes.js";
import { cacheRoutes } from "./cache-routes.js";
import type { EventHub } from "./hub.js";
import type { RunManager } from "./runs.js";
import type { ConnectionGate } from "./connections.js";

export interface RouteDeps {
  workspace: string;
  version: string;
  store: Store;
  hub: EventHub;
  runs: RunManager;
  vault: SecretVault;
  /** The runner's actions/cache folder (the Caches page). */
  cacheDir?: string;
  /** The fleet's workers (many machines); absent with the embedded store. */
  workers?: () => Promise<WorkerInfo[]>;
  /** The connection caps: an SSE stream is counted apart from API requests. */
  connections?: ConnectionGate;
}

/** Secrets one `POST /api/secrets/import` may hold. */
const MAX_SECRETS_IMPORT = 1000;

const STATUS_FILTERS = new Set<string>([...STATUSES, ...RUN_CONCLUSIONS]);

function varName(name: string): string {
  if (!isVarName(name))
    throw new StaxError(
      "INVALID_NAME",
      `'${name}' is not a valid variable name (letters, digits and _, not starting with a digit or GITHUB_)`,
    );
  return name;
}

function secretName(name: string): string {
  if (!isSafeName(name))
    throw new StaxError("INVALID_NAME", `'${name}' is not a valid secret name (letters, digits, _ . -; no paths)`);
  return name;
}

/**
 * A secret name that may be stored (set or imported): GitHub refuses names starting with GITHUB_
 * (its own GITHUB_TOKEN among them); a token for one run goes with `stax run -s GITHUB_TOKEN=…`.
 * Deleting stays possible, so a secret stored before this rule can be removed.
 */
function newSecretName(name: string): string {
  if (/^GITHUB_/i.test(name))
    throw new StaxError(
      "INVALID_NAME",
      `'${name}' is reserved: secret names may not start with GITHUB_ (GitHub gives every run its own GITHUB_TOKEN; pass one to a run with stax run -s GITHUB_TOKEN=…)`,
    );
  return secretName(name);
}

/** Every REST route (docs/api.md). */
export function routes(d: RouteDeps): Route[] {
  return [
    route("GET", "/health", ({ res }) =>
      sendJson(res, 200, { status: "ok", workspace: d.workspace, version: d.version } satisfies HealthResponse),
    ),
    route("GET", "/api/workflows", async ({ res }) =>
      sendJson(
        res,
        200,
        (await listWorkflowsOffThread(d.workspace)).map((w) => w.info),
      ),
    ),
    route("GET", "/api/workflows/:name", async ({ res, params, query }) => {
      const found = await resolveWorkflow(d.workspace, params.name);
      if (!found || found.relPath.startsWith(".."))
        throw new StaxError("WORKFLOW_NOT_FOUND", `unknown workflow '${params.name}'`);
      // `?ref=`: the file as that commit has it (what a run of the ref runs).
      const ref = query.get("ref");
      const w = ref ? await workflowAt(d.workspace, found.relPath, ref) : found;
      sendJson(res, 200, { info: w.info, definition: w.definition ?? null });
    }),
    route("POST", "/api/runs", async ({ res, body }) => {
      const b = expectObject(body, {
        workflow: "string",
        inputs: "object?",
        event: "string?",
        eventPayload: "object?",
        jobs: "array?",
        sandbox: "object?",
        env: "object?",
        secrets: "object?",
        actions: "object?",
        workspaces: "object?",
        platforms: "object?",
        vars: "object?",
        matrix: "object?",
        actor: "string?",
      });
      if (b.sandbox !== undefined) expectObject(b.sandbox, { strategy: "string", ref: "string?" }, "'sandbox'");
      sendJson(res, 201, await d.runs.create(b as unknown as CreateRunRequest));
    }),
    route("GET", "/api/runs", async ({ res, query }) => {
      const status = query.get("status") ?? undefined;
      if (status !== undefined && !STATUS_FILTERS.has(status))
        throw new StaxError("BAD_REQUEST", `'status' must be one of ${[...STATUS_FILTERS].join(", ")}`);
      const q: ListRunsQuery = {
        status: status as ListRunsQuery["status"],
        workflow: query.get("workflow") ?? undefined,
        limit: int(query, "limit", 1, 1000) ?? 50,
        before: int(query, "before", 1, Number.MAX_SAFE_INTEGER),
      };
      sendJson(res, 200, await d.store.runs.list(q));
    }),
    route("GET", "/api/runs/:id", async ({ res, params }) => sendJson(res, 200, await d.runs.snapshot(params.id))),
    ...logRoutes(d),
    ...refsRoutes(d),
    ...cacheRoutes(d),
    route("GET", "/api/runs/:id/logs", async ({ res, params, query }) => {
      const run = await d.runs.find(params.id);
      const job = query.get("job") ?? undefined;
      const step = int(query, "step", 1, 100_000);
      const timestamps = query.get("timestamps") === "true";
      const text = await runLogText(d.store.logs, run, { job, step, timestamps });
      res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
      res.end(text);
    }),
    route("POST", "/api/runs/:id/cancel", async ({ res, params }) =>
      sendJson(res, 200, await d.runs.cancel(params.id)),
    ),
    route("POST", "/api/runs/:id/rerun", async ({ res, params, body }) => {
      const b = expectObject(body ?? {}, { failedOnly: "boolean?", job: "string?" });
      sendJson(res, 201, await d.runs.rerun(params.id, b.failedOnly === true, b.job as string | undefined));
    }),
    route("DELETE", "/api/runs/:id", async ({ res, params }) => sendJson(res, 200, await d.runs.delete(params.id))),
    route("GET", "/api/runs/:id/artifacts", async ({ res, params }) => {
      const run = await d.runs.find(params.id);
      sendJson(
        res,
        200,
        (await d.store.artifacts.list(run.id)).map(({ files: _f, isDirectory: _d, ...info }) => info),
      );
    }),
    route("GET", "/api/runs/:id/artifacts/:name", async ({ res, params }) => {
      const run = await d.runs.find(params.id);
      const name = params.name;
      if (!isSafeName(name)) throw new StaxError("INVALID_NAME", `'${name}' is not a valid artifact name`);
      const a = (await d.store.artifacts.list(run.id)).find((x) => x.name === name);
      if (!a) throw new StaxError("ARTIFACT_NOT_FOUND", `run ${run.number} has no artifact '${name}'`);
      const dl = await artifactDownload(d.store, a, run.number);
      res.writeHead(200, {
        "Content-Type": dl.mimeType,
        ...(dl.size !== undefined ? { "Content-Length": dl.size } : {}),
        "Content-Disposition": `attachment; filename="${dl.filename}"`,
      });
      // A stream error (the run deleted while its artifact downloads) ends that response, never the runner.
      dl.stream.on("error", () => res.destroy());
      dl.stream.pipe(res);
    }),
    route("GET", "/api/workers", async ({ res }) => sendJson(res, 200, d.workers ? await d.workers() : [])),
    route("GET", "/api/secrets", async ({ res }) => sendJson(res, 200, await d.vault.list())),
    route("PUT", "/api/secrets/:name", async ({ res, params, body }) => {
      const name = newSecretName(params.name);
      const b = expectObject(body, { value: "string" });
      await d.vault.set(name, b.value as string);
      sendJson(res, 200, { name });
    }),
    route("DELETE", "/api/secrets/:name", async ({ res, params }) => {
      const name = secretName(params.name);
      if (!(await d.store.secrets.delete(name))) throw new StaxError("SECRET_NOT_FOUND", `no secret '${name}'`);
      sendJson(res, 200, { name });
    }),
    route("POST", "/api/secrets/import", async ({ res, body }) => {
      const b = expectObject(body, { content: "string" });
      const { values, errors } = parseDotenv(b.content as string);
      if (errors.length)
        throw new StaxError("BAD_REQUEST", errors.map((e) => `line ${e.line}: ${e.message}`).join("; "), errors);
      const names = Object.keys(values);
      if (names.length > MAX_SECRETS_IMPORT)
        throw new StaxError(
          "BAD_REQUEST",
          `an import holds at most ${MAX_SECRETS_IMPORT} secrets; this one has ${names.length}`,
        );
      for (const n of names) newSecretName(n);
      await d.vault.setMany(values);
      sendJson(res, 200, { imported: names });
    }),
    route("GET", "/api/vars", async ({ res }) => sendJson(res, 200, await d.store.vars.list())),
    route("PUT", "/api/vars/:name", async ({ res, params, body }) => {
      const name = varName(params.name);
      const b = expectObject(body, { value: "string" });
      await d.store.vars.put(name, b.value as string);
      sendJson(res, 200, { name, value: b.value });
    }),
    route("DELETE", "/api/vars/:name", async ({ res, params }) => {
      const name = varName(params.name);
      if (!(await d.store.vars.delete(name))) throw new StaxError("VAR_NOT_FOUND", `no variable '${name}'`);
      sendJson(res, 200, { name });
    }),
    ...eventRoutes(d),
  ];
}
