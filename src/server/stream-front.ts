import type { Server } from "node:http";
import type { Socket } from "node:net";
import type { RequestHead } from "./security.js";

/** The request a stream is served for, as read here. */
export type StreamRequest = RequestHead & { url: string; headers: Record<string, string> };

/** Serves a stream on `socket`: true once it does; false, with nothing written, to leave the request to the HTTP server. */
export type ServeStream = (req: StreamRequest, socket: Socket) => Promise<boolean>;

/** How long a new connection's first bytes are waited for before it goes to the HTTP server as it is (its own timeouts then apply). */
const FIRST_BYTES_MS = 500;
/** The longest head read here (the HTTP server takes 16 KiB). */
const MAX_HEAD = 8 * 1024;
const START = "GET /api/events";
const REQUEST_LINE = /^GET (\/api\/events(?:\?[!-~]*)?) HTTP\/1\.1$/;
/** A field: a token, a colon, its value. */
const FIELD = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):(.*)$/;
/** The values read here: printable ASCII, spaces and tabs (any other byte: the HTTP server's reading). */
const VALUE = /^[\t -~]*$/;
/** Fields that make a request more than a plain GET: those go to the HTTP server. */
const NOT_PLAIN = new Set(["content-length", "transfer-encoding", "upgrade", "expect"]);

/**
 * The event stream's own way in (issue 26: an idle subscriber's memory). For every connection it
 * serves, Node's HTTP server keeps a parser, a request and a response with their listeners for as
 * long as the connection is open: some 14 KB beyond the socket's own, for a stream that only ever
 * writes. Here each accepted connection's first bytes are read first: a plain `GET /api/events`
 * whose head came whole and alone is read by `parseHead` and given to `serve`, which opens the
 * stream on the socket itself. Everything else (any other request, a head in pieces or with a
 * body, anything this strict reading does not take, a request `serve` declines) goes to the HTTP
 * server with its bytes put back, as if it had been the first to read them.
 *
 * Called once, before any other listener of `server`'s `connection` event is added. `closeAll`
 * closes every connection the HTTP server was not given (streams, and connections whose first
 * bytes are awaited), as its `closeAllConnections` closes its own, so a stop does not wait for a
 * client that sends nothing or no longer reads.
 */
export function frontStreams(server: Server, serve: ServeStream): { closeAll(): void } {
  const http = server.listeners("connection") as ((socket: Socket) => void)[];
  server.removeAllListeners("connection");
  const held = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    // Until the HTTP server has it (which adds its own), a reset connection, or one its client
    // closed before a request, is only closed: the HTTP server would never be told of that end.
    const failed = () => socket.destroy();
    const forget = () => held.delete(socket);
    const toHttp = (bytes?: Buffer) => {
      forget();
      // The wait's timer is off: the HTTP server would take its next firing for its own timeout, and close.
      socket.setTimeout(0);
      socket.removeListener("close", forget);
      socket.removeListener("error", failed);
      socket.removeListener("end", failed);
      socket.pause();
      if (bytes) socket.unshift(bytes);
      for (const listener of http) listener.call(server, socket);
      socket.resume();
    };
    const waited = () => {
      socket.removeListener("data", first);
      toHttp();
    };
    const first = (bytes: Buffer) => {
      socket.removeListener("data", first);
      socket.removeListener("end", failed);
      socket.removeListener("timeout", waited);
      socket.setTimeout(0);
      const req = parseHead(bytes);
      if (!req) return toHttp(bytes);
      socket.pause();
      const declined = () => {
        if (!socket.destroyed) toHttp(bytes);
      };
      void serve(req, socket).then((served) => served || declined(), declined);
    };
    held.add(socket);
    socket.on("close", forget);
    socket.on("error", failed);
    socket.on("end", failed);
    socket.on("data", first);
    socket.once("timeout", waited);
    socket.setTimeout(FIRST_BYTES_MS);
  });
  return {
    closeAll() {
      for (const socket of held) socket.destroy();
    },
  };
}

/**
 * The request of `bytes` when they are exactly one plain HTTP/1.1 `GET /api/events` head: the
 * request line, unique fields of printable ASCII with a Host among them, no body, nothing after.
 * Undefined for anything else, which the HTTP server reads instead.
 */
export function parseHead(bytes: Buffer): StreamRequest | undefined {
  if (bytes.length > MAX_HEAD || bytes.toString("latin1", 0, START.length) !== START) return undefined;
  const text = bytes.toString("latin1");
  if (!text.endsWith("\r\n\r\n")) return undefined;
  const lines = text.slice(0, -4).split("\r\n");
  const url = REQUEST_LINE.exec(lines[0])?.[1];
  if (!url) return undefined;
  const headers = Object.create(null) as Record<string, string>;
  for (let i = 1; i < lines.length; i++) {
    const m = FIELD.exec(lines[i]);
    if (!m || !VALUE.test(m[2])) return undefined;
    const name = m[1].toLowerCase();
    if (name in headers || NOT_PLAIN.has(name)) return undefined;
    headers[name] = m[2].trim();
  }
  if (!headers.host) return undefined;
  return { method: "GET", url, headers };
}
