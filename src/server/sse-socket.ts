import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { withRoom } from "./frames.js";

const CRLF = Buffer.from("\r\n");

/** Room `chunkAround` needs around a buffer: a size line of up to 8 hex digits (a chunk under 4 GiB) and CRLF, and a CRLF. */
export const CHUNK_ROOM = { before: 10, after: 2 } as const;

/**
 * `bytes` as one chunk of HTTP/1.1's chunked transfer coding (`<hex size>\r\n<bytes>\r\n`), in
 * one buffer: what `ServerResponse.write(bytes)` puts on the wire for a chunked response.
 */
export function chunked(bytes: Buffer): Buffer {
  const out = withRoom(bytes.length, CHUNK_ROOM);
  out.set(bytes);
  return chunkAround(out);
}

/**
 * The chunk of `bytes`, framed in the room around it: `bytes` must have been made with
 * `CHUNK_ROOM` (`withRoom`, `encodeFrames`), whose bytes only its owner writes. No copy.
 */
export function chunkAround(bytes: Buffer): Buffer {
  const head = `${bytes.length.toString(16)}\r\n`;
  const start = bytes.byteOffset - head.length;
  const out = Buffer.from(bytes.buffer, start, head.length + bytes.length + 2);
  out.write(head, 0, "latin1");
  out[out.length - 2] = 13;
  out[out.length - 1] = 10;
  return out;
}

/** The head fields of every event stream, whichever way it was opened. */
export const STREAM_HEAD = {
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache",
  Connection: "keep-alive",
  "X-Accel-Buffering": "no",
} as const;

const LAST_CHUNK = Buffer.from("0\r\n\r\n");

/**
 * The socket of an event stream whose head is sent, written to directly: the same bytes as a
 * response's own `write` (a chunk of the chunked coding, or the bytes as they are when the client
 * spoke HTTP/1.0 and the body ends with the connection), without `ServerResponse`'s work for
 * every write (corking, a size line and a CRLF written apart, then a `writev`). A front-end with
 * 1,000 subscribers writes each batch 1,000 times: this is the part of it that is per subscriber.
 *
 * A stream is opened on a `ServerResponse` (`respond`) or, with no HTTP objects at all, on a
 * socket whose request was read by `stream-front.ts` (`open`); either way its end goes through
 * here. `framed` buffers are written only when the stream is chunked.
 */
export class SseSocket {
  private constructor(
    private readonly socket: Socket,
    /** Whether the stream uses the chunked coding (HTTP/1.1). */
    readonly chunked: boolean,
    /** The response that owns the stream's end, when it was opened on one. */
    private readonly res?: ServerResponse,
  ) {}

  /**
   * The stream of `res`: its head sent now, alone (the response's own first write would wait for
   * the next tick, as Node corks a response on it, after the frames written to its socket).
   * Undefined when the client has gone already (while a route awaited a run's lookup).
   */
  static respond(res: ServerResponse): SseSocket | undefined {
    res.writeHead(200, STREAM_HEAD);
    res.flushHeaders();
    // After `flushHeaders` nothing of the response's own is buffered: what is written to the socket follows the head.
    if (!res.socket || res.socket.destroyed) return undefined;
    return new SseSocket(res.socket, res.chunkedEncoding, res);
  }

  /**
   * The stream of a socket whose HTTP/1.1 request was read apart from Node's HTTP server: the
   * head (`STREAM_HEAD`, the given fields, the chunked coding) is written here, and the socket
   * is closed when the client closes its side or sends anything more (a subscriber only reads).
   */
  static open(socket: Socket, fields: Record<string, string>): SseSocket {
    const lines = Object.entries({ ...STREAM_HEAD, ...fields, Date: new Date().toUTCString() }).map(
      ([k, v]) => `${k}: ${v}\r\n`,
    );
    socket.write(`HTTP/1.1 200 OK\r\n${lines.join("")}Transfer-Encoding: chunked\r\n\r\n`, "latin1");
    const gone = () => socket.destroy();
    socket.on("data", gone);
    socket.on("end", gone);
    socket.on("error", gone);
    socket.resume();
    return new SseSocket(socket, true);
  }

  /**
   * Writes `bytes`; `framed`, when given, is the same bytes already framed as a chunk (shared by
   * the subscribers of one batch). False when the socket's buffer is full: wait for `onDrain`.
   */
  write(bytes: Buffer, framed?: Buffer): boolean {
    // An empty chunk would end the chunked body.
    if (bytes.length === 0) return true;
    if (!this.chunked) return this.socket.write(bytes);
    if (framed) return this.socket.write(framed);
    // Framed here without copying the bytes (a replay page, shared by the replays that read it): one writev.
    this.socket.cork();
    this.socket.write(`${bytes.length.toString(16)}\r\n`, "latin1");
    this.socket.write(bytes);
    const ok = this.socket.write(CRLF);
    this.socket.uncork();
    return ok;
  }

  /** Writes every entry (as `write`) in one `writev`; false when the socket's buffer is full. */
  writeAll(entries: readonly { bytes: Buffer; framed?: Buffer }[]): boolean {
    this.socket.cork();
    let ok = true;
    for (const e of entries) ok = this.write(e.bytes, e.framed);
    this.socket.uncork();
    return ok;
  }

  onDrain(listener: () => void): void {
    this.socket.once("drain", listener);
  }

  /** Once, when the stream's connection is gone (its client, `end` or `destroy`). */
  onClose(listener: () => void): void {
    if (this.res) this.res.on("close", listener);
    else this.socket.once("close", listener);
  }

  /**
   * Ends the stream after `last` (frames, when given), then its connection once that is written;
   * with `now` (the runner stops) at once, also when a client that stopped reading holds it.
   */
  end(last?: string, now = false): void {
    if (this.res) {
      this.res.end(last);
      if (now) this.socket.destroy();
      return;
    }
    if (last) this.write(Buffer.from(last));
    this.socket.end(LAST_CHUNK);
    if (now) this.socket.destroy();
    else this.socket.destroySoon();
  }

  destroy(err: Error): void {
    (this.res ?? this.socket).destroy(err);
  }
}
