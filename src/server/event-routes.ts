import { StaxError } from "../contract/index.js";
import { route, singleQuery, wholeNumber, type Route } from "./http.js";
import type { EventHub } from "./hub.js";
import type { RunManager } from "./runs.js";
import type { ConnectionGate } from "./connections.js";
import { admit, type SecurityOptions } from "./security.js";
import type { ServeStream } from "./stream-front.js";
import { SseSocket } from "./sse-socket.js";

interface StreamDeps {
  hub: EventHub;
  runs: RunManager;
  /** The connection caps: an SSE stream is counted apart from API requests. */
  connections?: ConnectionGate;
}

/** What a request for the event stream asks for: where to resume, which run and job. */
async function streamOptions(
  runs: RunManager,
  lastEventId: string | string[] | undefined,
  query: URLSearchParams,
): Promise<{ since?: number; runId?: string; jobId?: string }> {
  const raw = (Array.isArray(lastEventId) ? lastEventId[0] : lastEventId) ?? query.get("since") ?? undefined;
  // An empty Last-Event-ID is not 0: replaying everything to a confused client is the costliest answer.
  const since =
    raw === undefined || raw === null
      ? undefined
      : wholeNumber("since' / 'Last-Event-ID", raw, 0, Number.MAX_SAFE_INTEGER);
  // A run is named as everywhere else: id, unique prefix, number or `last`.
  const ref = query.get("runId") ?? undefined;
  const runId = ref === undefined ? undefined : (await runs.find(ref)).id;
  const jobId = query.get("jobId") ?? undefined;
  if (jobId !== undefined && runId === undefined) throw new StaxError("BAD_REQUEST", "'jobId' needs 'runId'");
  return { since, runId, jobId };
}

/** `GET /api/events` as a route of Node's HTTP server. */
export function eventRoutes(d: StreamDeps): Route[] {
  return [
    route("GET", "/api/events", async ({ req, res, query }) => {
      const opts = await streamOptions(d.runs, req.headers["last-event-id"], query);
      d.connections?.openStream(req, res);
      const out = SseSocket.respond(res);
      if (out) d.hub.subscribe(out, opts);
    }),
  ];
}

/**
 * `GET /api/events` served on the socket of a request `stream-front.ts` read: true once the
 * stream is open. False, with nothing written, for every request it does not serve as it is (a
 * refused connection, a foreign Host or Origin, a bad token or query, a client over its cap):
 * Node's HTTP server then answers it as any other, errors included.
 */
export function streamServer(d: StreamDeps, security: SecurityOptions): ServeStream {
  return async (req, socket) => {
    let opts, cors;
    try {
      cors = admit(req, security);
      opts = await streamOptions(
        d.runs,
        req.headers["last-event-id"],
        singleQuery(new URL(req.url, "http://runner").searchParams),
      );
    } catch (err) {
      if (err instanceof StaxError) return false;
      throw err;
    }
    // A client gone while the run was looked up: nothing to serve.
    if (socket.destroyed) return true;
    if (d.connections && !d.connections.streamOf(socket)) return false;
    d.hub.subscribe(SseSocket.open(socket, cors), opts);
    return true;
  };
}
