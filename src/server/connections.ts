import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { StaxError } from "../contract/index.js";
import type { ConnectionLimits } from "../config/config.js";
import { sendError } from "./http.js";

/** What an over-cap client is told to wait, in seconds (`Retry-After`). */
export const RETRY_AFTER_SECONDS = 5;

/** How long an over-cap connection may take to send the request it is refused: a client that sends nothing is not waited for. */
const REFUSED_GRACE_MS = 1000;

/** Connections of one kind (API or SSE), per client address and in all. */
class Counts {
  private readonly byClient = new Map<string, number>();
  total = 0;

  constructor(
    private readonly perClient: number,
    private readonly cap: number,
  ) {}

  full(client: string): boolean {
    return this.total >= this.cap || (this.byClient.get(client) ?? 0) >= this.perClient;
  }

  add(client: string): void {
    this.total++;
    this.byClient.set(client, (this.byClient.get(client) ?? 0) + 1);
  }

  remove(client: string): void {
    this.total--;
    const n = (this.byClient.get(client) ?? 1) - 1;
    if (n > 0) this.byClient.set(client, n);
    else this.byClient.delete(client);
  }
}

type Kind = "api" | "stream" | "refused";

/**
 * The runner's connection caps (issue 24): each socket counts as an API connection from its
 * accept; one that turns into an SSE stream moves to the streams' count, so a dashboard's streams
 * never use up the API's share, and the reverse. A socket accepted over the cap is answered 503
 * with `Retry-After` once its request arrives (within a second, else it is closed); beyond twice
 * the cap the runner stops answering and closes at once, so its file descriptors stay bounded.
 * Headers must arrive within `headersTimeoutMs`, and an idle keep-alive connection closes after
 * `keepAliveTimeoutMs` (Node's own timers, checked every second instead of every 30).
 */
export class ConnectionGate {
  private readonly api: Counts;
  private readonly streams: Counts;
  private readonly kinds = new WeakMap<Socket, Kind>();
  private refused = 0;

  constructor(private readonly limits: ConnectionLimits) {
    this.api = new Counts(limits.perClient, limits.total);
    this.streams = new Counts(limits.streamsPerClient, limits.streams);
  }

  /** The options of `createServer` that enforce the timeouts. */
  static serverOptions(limits: ConnectionLimits): {
    headersTimeout: number;
    requestTimeout: number;
    keepAliveTimeout: number;
    connectionsCheckingInterval: number;
  } {
    // requestTimeout bounds the request (headers and body), not the response: SSE streams are unaffected.
    return {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: Math.max(30_000, limits.headersTimeoutMs),
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: 1000,
    };
  }

  /** Counts every accepted socket of `server`. */
  attach(server: Server): void {
    server.on("connection", (socket: Socket) => this.accept(socket));
  }

  private accept(socket: Socket): void {
    const client = clientOf(socket);
    if (this.api.full(client)) {
      if (this.refused >= this.limits.total) {
        socket.destroy();
        return;
      }
      this.refused++;
      this.kinds.set(socket, "refused");
      const timer = setTimeout(() => socket.destroy(), REFUSED_GRACE_MS);
      timer.unref();
      socket.once("close", () => {
        clearTimeout(timer);
        this.refused--;
      });
      return;
    }
    this.api.add(client);
    this.kinds.set(socket, "api");
    socket.once("close", () => (this.kinds.get(socket) === "stream" ? this.streams : this.api).remove(client));
  }

  /** Answers a request on an over-cap connection (503, `Retry-After`, closed); false when the request may go on. */
  refuse(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.kinds.get(req.socket) !== "refused") return false;
    res.setHeader("Retry-After", String(RETRY_AFTER_SECONDS));
    res.setHeader("Connection", "close");
    sendError(
      res,
      new StaxError(
        "TOO_MANY_CONNECTIONS",
        `this client holds ${this.limits.perClient} connections, or all clients ${this.limits.total}, as many as the runner allows; try again in ${RETRY_AFTER_SECONDS} s`,
      ),
    );
    return true;
  }

  /**
   * Turns the request's connection into an SSE stream, counted apart; throws TOO_MANY_CONNECTIONS
   * (the caller answers 503 with `Retry-After`) when the client or all clients hold as many as allowed.
   */
  openStream(req: IncomingMessage, res: ServerResponse): void {
    if (this.streamOf(req.socket)) return;
    res.setHeader("Retry-After", String(RETRY_AFTER_SECONDS));
    throw new StaxError(
      "TOO_MANY_CONNECTIONS",
      `this client holds ${this.limits.streamsPerClient} event streams, or all clients ${this.limits.streams}, as many as the runner allows; try again in ${RETRY_AFTER_SECONDS} s`,
    );
  }

  /**
   * Counts `socket` as an SSE stream from now on; false (nothing changed) when its client or all
   * clients hold as many as allowed, or when it was accepted over the cap (it is to be refused).
   */
  streamOf(socket: Socket): boolean {
    const kind = this.kinds.get(socket);
    if (kind !== "api") return kind !== "refused";
    const client = clientOf(socket);
    if (this.streams.full(client)) return false;
    this.api.remove(client);
    this.streams.add(client);
    this.kinds.set(socket, "stream");
    return true;
  }

  /** Connections counted now (API, SSE streams, refused ones waiting to be answered). */
  counts(): { api: number; streams: number; refused: number } {
    return { api: this.api.total, streams: this.streams.total, refused: this.refused };
  }
}

/** A client is its address (IPv4-mapped IPv6 addresses as IPv4). */
function clientOf(socket: Socket): string {
  const a = socket.remoteAddress ?? "unknown";
  return a.startsWith("::ffff:") ? a.slice(7) : a;
}
