import { createServer, type Server } from "node:http";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { StaxError, errorMessage } from "../contract/index.js";
import { isLoopbackHost, type Config } from "../config/config.js";
import { connectStore, PgFleet, recoverInterrupted, runStillOwned, SecretVault, type Store } from "../store/index.js";
import { readJson, sendError, singleQuery, type Route } from "./http.js";
import { EventHub } from "./hub.js";
import { routes } from "./routes.js";
import { RunManager } from "./runs.js";
import { reapProcessGroups } from "../host/process-groups.js";
import { DockerEngine, dockerAddress, reapDeadOwners } from "../engine/index.js";
import { removeStaleRunTemps } from "../host/run-temp.js";
import { removeStaleSandboxes } from "../host/sandbox.js";
import { guard, type SecurityOptions } from "./security.js";
import { serveStatic } from "./static.js";
import { FleetDispatcher } from "../host/dispatcher.js";
import { runHost } from "../host/launch.js";
import { collectWhenIdle } from "../host/idle-memory.js";
import { ConnectionGate } from "./connections.js";
import { frontStreams } from "./stream-front.js";
import { streamServer } from "./event-routes.js";

const BODY_LIMIT = 1024 * 1024;

export interface RunnerOptions {
  config: Readonly<Config>;
  version: string;
  hostEnv: Record<string, string | undefined>;
  /** The dashboard's built files (web/dist). */
  webRoot?: string;
  /** The token to require (off loopback the CLI generates one). */
  token?: string;
  /** SSE: bytes a subscriber may fall behind before it is disconnected. */
  maxQueueBytes?: number;
}

export interface Runner {
  server: Server;
  url: string;
  store: Store;
  hub: EventHub;
  runs: RunManager;
  /** Cancels running runs (recorded as cancelled), stops serving, closes the store. */
  close(): Promise<void>;
}

/**
 * The runner: store (recovering runs a crash interrupted), SSE hub, run manager and the HTTP
 * server with the security rules, listening on the configured host and port.
 */
export async function startRunner(o: RunnerOptions): Promise<Runner> {
  const { config } = o;
  const loopback = isLoopbackHost(config.host);
  // Off loopback anyone on the network could start runs: that is remote code execution without a token.
  if (!loopback && !o.token)
    throw new StaxError(
      "CONFIG_INVALID",
      `STAX_HOST=${config.host} is not a loopback address; binding there requires a token (STAX_TOKEN)`,
    );
  const store = await connectStore(config);
  const owned = (runId: string) => runStillOwned(store, config.dataDir, runId, new Date());
  await removeStaleSandboxes(config.workspace, config.sandboxDir, join(config.dataDir, "checkouts"), owned);
  // What a crash left of runs no live process executes (the same test as crash recovery): their
  // temp folders (plaintext secrets) and their steps' process groups.
  await removeStaleRunTemps(config.dataDir, owned);
  await reapProcessGroups(config.dataDir, owned);
  // Containers and networks of stax processes that died without removing them (issue 23).
  await reapDeadOwners(new DockerEngine(dockerAddress(config.dockerHost)));
  const hub = new EventHub(store.events, {
    maxQueueBytes: o.maxQueueBytes ?? 8 * 1024 * 1024,
    pingIntervalMs: config.pingIntervalMs,
  });
  store.events.onCommit((batch) => {
    hub.publish(batch);
  });
  // Events an in-process `stax run` commits to the same store reach this runner's subscribers live.
  store.follow();
  const vault = new SecretVault(store.secrets, config.dataDir, config.secretsKey);
  // Many machines: legs go to the workers through the fleet tables.
  const fleet = config.databaseUrl ? await PgFleet.connect(config.databaseUrl) : undefined;
  const dispatcher = fleet
    ? new FleetDispatcher(
        fleet,
        store,
        vault,
        (job, labels) =>
          console.log(`stax runner: job '${job}' waits: no live worker has the labels ${labels.join(", ") || "(any)"}`),
        config.leaseMs,
      )
    : undefined;
  const runs = new RunManager({
    workspace: config.workspace,
    store,
    vault,
    host: runHost(config, store, o.hostEnv),
    sandboxDir: config.sandboxDir,
    checkoutsDir: join(config.dataDir, "checkouts"),
    retention: config.retention,
    leaseMs: config.leaseMs,
    defaultSandbox: "auto",
    dispatcher,
    storeLocation: config.databaseUrl
      ? "the PostgreSQL database of STAX_DATABASE_URL"
      : join(config.dataDir, "stax.db"),
  });
  // Runs no live process executes (a crash here, or a lease that lapsed: a front-end or `stax run`
  // elsewhere died). With many machines, the first front-end to notice takes such a run over and
  // carries it on; a run it cannot take over is marked cancelled and its legs on workers stopped.
  const executed = async (runId: string) => (await owned(runId)) || (await runs.takeOver(runId)) !== "no";
  await recoverInterrupted(store, new Date(), executed);
  const sweeper = setInterval(() => {
    void recoverInterrupted(store, new Date(), executed)
      .then(async (events) => {
        for (const id of new Set(events.map((e) => e.runId))) await fleet?.cancelRun(id);
      })
      .catch(() => {});
  }, config.leaseMs);
  sweeper.unref();
  // An idle runner gives back what its last runs' logs left in the heap.
  const stopCollecting = collectWhenIdle(() => runs.activeCount === 0);
  const gate = new ConnectionGate(config.connections);
  const table: Route[] = routes({
    workspace: config.workspace,
    version: o.version,
    store,
    hub,
    runs,
    vault,
    cacheDir: join(config.dataDir, "cache"),
    workers: fleet ? () => fleet.workers(config.leaseMs) : undefined,
    connections: gate,
  });
  const security: SecurityOptions = {
    allowedHosts: new Set(),
    allowedOrigins: new Set(config.allowedOrigins),
    token: o.token,
    anyHost: !loopback && !!o.token,
  };

  const server = createServer(ConnectionGate.serverOptions(config.connections), async (req, res) => {
    try {
      if (gate.refuse(req, res)) return;
      const url = new URL(req.url ?? "/", "http://runner");
      if (guard(req, res, security)) return;
      const match = table
        .map((r) => ({ r, m: r.method === req.method ? r.pattern.exec(url.pathname) : null }))
        .find((x) => x.m);
      if (!match) {
        if (url.pathname.startsWith("/api/") || url.pathname === "/health") {
          const pathExists = table.some((r) => r.pattern.test(url.pathname));
          throw new StaxError(
            pathExists ? "METHOD_NOT_ALLOWED" : "NOT_FOUND",
            pathExists ? `${req.method} is not allowed on ${url.pathname}` : `no route ${req.method} ${url.pathname}`,
          );
        }
        if (req.method !== "GET" && req.method !== "HEAD")
          throw new StaxError("NOT_FOUND", `no route ${req.method} ${url.pathname}`);
        serveStatic(o.webRoot, url.pathname, res);
        return;
      }
      const params = Object.fromEntries(match.r.keys.map((k, i) => [k, decodeParam(match.m![i + 1])]));
      const query = singleQuery(url.searchParams);
      const mutating = req.method === "POST" || req.method === "PUT" || req.method === "DELETE";
      const body = mutating && req.method !== "DELETE" ? await readJson(req, BODY_LIMIT) : undefined;
      await match.r.handler({ req, res, params, query, body });
    } catch (err) {
      if (err instanceof StaxError) sendError(res, err);
      else {
        console.error(err);
        sendError(res, new StaxError("INTERNAL", errorMessage(err)));
      }
    }
  });
  // Before the gate's listener: each connection is counted at its accept, its first bytes read after.
  const front = frontStreams(server, streamServer({ hub, runs, connections: gate }, security));
  gate.attach(server);
  // Node's own parser refuses some requests before any route sees them; answer those in JSON too.
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || err.code === "ECONNRESET") {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === "HPE_HEADER_OVERFLOW";
    const late = err.code === "ERR_HTTP_REQUEST_TIMEOUT";
    const e = tooLarge
      ? new StaxError("HEADERS_TOO_LARGE", "the request's headers are too large")
      : late
        ? new StaxError(
            "REQUEST_TIMEOUT",
            `the request did not arrive within ${config.connections.headersTimeoutMs / 1000} s`,
          )
        : new StaxError("BAD_REQUEST", `the request could not be parsed (${err.code ?? "bad request"})`);
    const text = JSON.stringify(e.toBody());
    // Closed once written, not half-closed: a client that never reads (a slowloris) would
    // otherwise hold the socket, and its file descriptor, until it went away.
    socket.end(
      `HTTP/1.1 ${e.httpStatus} ${tooLarge ? "Request Header Fields Too Large" : late ? "Request Timeout" : "Bad Request"}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      () => socket.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  for (const h of [config.host, shownHost, "localhost", "127.0.0.1", "[::1]"]) {
    security.allowedHosts.add(`${h}:${address.port}`.toLowerCase());
    security.allowedHosts.add(h.toLowerCase());
    security.allowedOrigins.add(`http://${h}:${address.port}`.toLowerCase());
  }
  const url = `http://${config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host}:${address.port}`;
  return {
    server,
    url,
    store,
    hub,
    runs,
    async close() {
      clearInterval(sweeper);
      stopCollecting();
      await runs.shutdown();
      hub.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A browser's open page holds keep-alive and stream connections: close waits for them otherwise.
      server.closeAllConnections();
      front.closeAll();
      await closed;
      await fleet?.close();
      await store.close();
    },
  };
}

/** A path parameter, percent-decoded once; a malformed escape is the client's error, not a 500. */
function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new StaxError("BAD_REQUEST", `'${raw}' is not a valid URL path segment`);
  }
}
