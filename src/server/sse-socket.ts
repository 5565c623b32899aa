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

/**
 * The socket of an SSE response whose head is sent, written to directly: the same bytes as the
 * response's own `write` (a chunk of the chunked coding, or the bytes as they are when the client
 * spoke HTTP/1.0 and the body ends with the connection), without `ServerResponse`'s work for
 * every write (corking, a size line and a CRLF written apart, then a `writev`). A front-end with
 * 1,000 subscribers writes each batch 1,000 times: this is the part of it that is per subscriber.
 *
 * The response stays the owner of the stream's end (`res.end`), which adds the last chunk.
 * `framed` buffers are written only when the response is chunked.
 */
export class SseSocket {
  /** Whether the response uses the chunked coding (HTTP/1.1). */
  readonly chunked: boolean;
  private readonly socket: Socket;

  constructor(res: ServerResponse) {
    // After `flushHeaders` the head is on the socket and nothing of the response's own is
    // buffered, so what is written to the socket follows it in order. Its first `write` would be
    // held until the next tick (Node corks a response on it): writes go to the socket only.
    if (!res.headersSent || !res.socket) throw new Error("an SSE socket needs a response whose head was flushed");
    this.socket = res.socket;
    this.chunked = res.chunkedEncoding;
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
}
