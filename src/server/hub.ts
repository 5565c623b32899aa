import type { ServerResponse } from "node:http";
import type { StoredEvent } from "../contract/index.js";
import type { Store } from "../store/index.js";

/** One SSE frame; formatted once per event, shared by every subscriber. */
export function frame(e: StoredEvent): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

const PING = "event: ping\ndata: {}\n\n";
const REPLAY_PAGE = 5000;
/** Bytes of frames gathered in one tick before a subscriber is written to without waiting for the tick's end. */
const FLUSH_AT = 64 * 1024;

interface Subscriber {
  res: ServerResponse;
  runId?: string;
  /** Frames waiting for the socket, with their ids (to drop what a replay already sent). */
  queue: { id: number; text: string }[];
  queuedBytes: number;
  /** The last event id written to this subscriber. */
  sent: number;
  replaying: boolean;
  waitingForDrain: boolean;
  closed: boolean;
}

export interface HubOptions {
  /** A subscriber whose unsent frames exceed this is told `overflow` and disconnected. */
  maxQueueBytes: number;
  pingIntervalMs: number;
}

/**
 * The SSE hub: every stored event goes to every matching subscriber. Each event is formatted
 * once; the frames of one tick are joined into one write per subscriber. A slow subscriber only
 * grows its own bounded queue: the engine and the other subscribers never wait for it.
 */
export class EventHub {
  private readonly subs = new Set<Subscriber>();
  private scheduled = false;
  private readonly pinger: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly opts: HubOptions,
  ) {
    this.pinger = setInterval(() => {
      for (const s of this.subs) if (!s.replaying) this.write(s, PING);
    }, opts.pingIntervalMs);
    this.pinger.unref();
  }

  get size(): number {
    return this.subs.size;
  }

  publish(e: StoredEvent): void {
    if (this.subs.size === 0) return;
    const text = frame(e);
    for (const s of this.subs) {
      if (s.runId && s.runId !== e.runId) continue;
      s.queue.push({ id: e.id, text });
      s.queuedBytes += text.length;
      // A subscriber that keeps up is written to early when a burst piles up within one tick;
      // only one whose socket is backed up (or still replaying) can overflow.
      if (s.queuedBytes >= FLUSH_AT && !s.waitingForDrain && !s.replaying) this.flush(s);
      else if (s.queuedBytes > this.opts.maxQueueBytes) this.overflow(s);
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flushAll());
    }
  }

  /**
   * Starts a stream on `res`: headers, `retry`, a ping, then every stored event after `since`
   * (when given), then live events: none lost, none twice.
   */
  subscribe(res: ServerResponse, opts: { since?: number; runId?: string }): void {
    // Events appended but not yet committed are published when they are; start after them.
    this.store.flush();
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive", "X-Accel-Buffering": "no" });
    const s: Subscriber = { res, runId: opts.runId, queue: [], queuedBytes: 0, sent: opts.since ?? this.store.lastEventId(), replaying: opts.since !== undefined, waitingForDrain: false, closed: false };
    res.write(`retry: 2000\n\n${PING}`);
    this.subs.add(s);
    res.on("close", () => this.drop(s));
    if (s.replaying) void this.replay(s);
  }

  private async replay(s: Subscriber): Promise<void> {
    for (;;) {
      const page = this.store.eventsSince(s.sent, s.runId, REPLAY_PAGE);
      if (s.closed) return;
      if (page.length) {
        s.sent = page[page.length - 1].id;
        if (!s.res.write(page.map(frame).join(""))) await new Promise((r) => s.res.once("drain", r));
      }
      if (page.length < REPLAY_PAGE) break;
    }
    s.replaying = false;
    this.flush(s);
  }

  private flushAll(): void {
    this.scheduled = false;
    for (const s of this.subs) this.flush(s);
  }

  private flush(s: Subscriber): void {
    if (s.replaying || s.waitingForDrain || s.closed || s.queue.length === 0) return;
    let text = "";
    let last = s.sent;
    for (const q of s.queue) {
      if (q.id <= s.sent) continue;
      text += q.text;
      last = q.id;
    }
    s.queue = [];
    s.queuedBytes = 0;
    if (!text) return;
    s.sent = last;
    this.write(s, text);
  }

  private write(s: Subscriber, text: string): void {
    if (s.closed) return;
    if (!s.res.write(text)) {
      s.waitingForDrain = true;
      s.res.once("drain", () => {
        s.waitingForDrain = false;
        this.flush(s);
      });
    }
  }

  private overflow(s: Subscriber): void {
    if (s.closed) return;
    s.res.end(`event: overflow\ndata: ${JSON.stringify({ lastEventId: s.sent })}\n\n`);
    this.drop(s);
  }

  private drop(s: Subscriber): void {
    s.closed = true;
    s.queue = [];
    this.subs.delete(s);
  }

  close(): void {
    clearInterval(this.pinger);
    for (const s of this.subs) {
      s.res.end();
      this.drop(s);
    }
  }
}
