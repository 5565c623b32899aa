/**
 * A run request has three forms: the API's (`CreateRunRequest`, what `POST /api/runs` and
 * `stax run` send), the stored one (`StoredRunRequest`: secrets sealed, event resolved, kept
 * with the run for re-runs and take-overs) and the engine's options. These are the only
 * conversions between them, so a field added to the request is carried by every path.
 */
import { StaxError, type CreateRunRequest } from "../contract/index.js";
import type { RunOptions } from "../engine/index.js";
import type { StoredRunRequest } from "../store/index.js";

/** The API's request as stored: its secrets sealed (`sealed`), its event the one resolved for it. */
export function toStoredRequest(
  req: CreateRunRequest,
  event: string,
  sealed?: StoredRunRequest["sealedSecrets"],
): StoredRunRequest {
  const { secrets: _plain, ...rest } = req;
  return { ...rest, event, ...(sealed ? { sealedSecrets: sealed } : {}) };
}

/** A stored request as the API's again (a re-run), with its secrets unsealed. */
export function toCreateRequest(stored: StoredRunRequest, secrets?: Record<string, string>): CreateRunRequest {
  const { sealedSecrets: _sealed, coordination: _coordination, ...rest } = stored;
  return { ...rest, ...(secrets ? { secrets } : {}) };
}

/** What the engine takes from a stored request; its `actions` are the host's overrides (`hostOptions`). */
export function requestOptions(stored: StoredRunRequest): Pick<
  RunOptions,
  "event" | "eventPayload" | "env" | "actor" | "jobs" | "platforms" | "matrix"
> & {
  actions: Record<string, string>;
} {
  return {
    event: stored.event,
    eventPayload: stored.eventPayload,
    env: stringMap(stored.env, "env"),
    actor: stored.actor,
    jobs: stored.jobs,
    platforms: stringMap(stored.platforms, "platforms"),
    matrix: matrixFilter(stored.matrix),
    actions: stringMap(stored.actions, "actions"),
  };
}

/** Refuses a request whose maps are not what they must be, before anything is stored. */
export function checkRequestShape(req: CreateRunRequest): void {
  for (const field of ["secrets", "env", "actions", "platforms", "vars"] as const) stringMap(req[field], field);
  matrixFilter(req.matrix);
}

function stringMap(v: unknown, field: string): Record<string, string> {
  if (v === undefined) return {};
  if (!v || typeof v !== "object" || Array.isArray(v) || Object.values(v).some((x) => typeof x !== "string"))
    throw new StaxError("BAD_REQUEST", `'${field}' must be an object of strings`);
  return v as Record<string, string>;
}

/** `matrix`: key → the values wanted (`stax run --matrix`). */
function matrixFilter(v: unknown): Record<string, string[]> | undefined {
  if (v === undefined) return undefined;
  if (
    !v ||
    typeof v !== "object" ||
    Array.isArray(v) ||
    Object.values(v).some((x) => !Array.isArray(x) || x.some((y) => typeof y !== "string"))
  ) {
    throw new StaxError("BAD_REQUEST", "'matrix' must be an object of string arrays");
  }
  return v as Record<string, string[]>;
}
