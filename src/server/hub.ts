import type { ServerResponse } from "node:http";
import type { StoredEvent } from "../contract/index.js";
import type { EventLog } from "../store/index.js";

/** One SSE frame; formatted once per event, shared by every subscriber. */
export function frame(e: StoredEvent): string {
  if (e.type === "step.log") {
    // The hot path (one per log line): only the line needs escaping; same text as JSON.stringify(e.data).
    const d = e.data;
    return `id: ${e.id}\nevent: step.log\ndata: {"runId":${JSON.stringify(d.runId)},"jobId":${JSON.stringify(d.jobId)},"stepNumber":${d.stepNumber},"line":${JSON.stringify(d.line)}}\n\n`;
  }
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

/** Whether a subscriber gets an event: everything, one run, or one job of a run (with the run's run.* and job.* events). */
function wants(s: { runId?: string; jobId?: string }, e: StoredEvent): boolean {
  if (!s.runId) return true;
  if (e.runId !== s.runId) return false;
  return s.jobId === undefined || !e.type.startsWith("step.") || (e.data as { jobId?: string }).jobId === s.jobId;
}

const PING = "event: ping\ndata: {}\n\n";
const REPLAY_PAGE = 5000;
/** Bytes of frames gathered in one tick before a subscriber is written to without waiting for the tick's end. */
const FLUSH_AT = 64 * 1024;

interface QueueEntry {
  first: number;
  id: number;
  bytes: Buffer;
  /** The batch itself, to cut a partly replayed batch down to its new frames. */
  events: readonly StoredEvent[];
}

interface Subscriber {
  res: ServerResponse;
  runId?: string;
  /** With `runId`: the step events (`step.*`) of the run's other jobs are left out. */
  jobId?: string;
  /**
   * Frames waiting for the socket: one entry per published batch, with the batch's first and
   * last id, encoded once and shared by every subscriber that gets the same frames.
   */
  queue: QueueEntry[];
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
    private readonly log: EventLog,
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

  /** Publishes a committed batch of events, in id order. */
  publish(batch: readonly StoredEvent[]): void {
    if (this.subs.size === 0 || batch.length === 0) return;
    const frames = batch.map(frame);
    const last = batch[batch.length - 1].id;
    let all: Buffer | undefined;
    const byFilter = new Map<string, Buffer>();
    const first = batch[0].id;
    for (const s of this.subs) {
      // Replaying subscribers queue live batches too: the store is read asynchronously, so a
      // batch committed after their last read would otherwise be lost. Ids deduplicate.
      let bytes: Buffer;
      const key = `${s.runId}\0${s.jobId ?? ""}`;
      if (!s.runId) bytes = all ??= Buffer.from(frames.join(""));
      else if (byFilter.has(key)) bytes = byFilter.get(key)!;
      else byFilter.set(key, (bytes = Buffer.from(frames.filter((_, i) => wants(s, batch[i])).join(""))));
      if (bytes.length) this.enqueue(s, { first, id: last, bytes, events: batch });
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flushAll());
    }
  }

  private enqueue(s: Subscriber, entry: QueueEntry): void {
    if (s.closed) return;
    s.queue.push(entry);
    s.queuedBytes += entry.bytes.length;
    // A subscriber that keeps up is written to early when a burst piles up within one tick;
    // only one whose socket is backed up (or that is still replaying) can overflow.
    if (s.queuedBytes >= FLUSH_AT && !s.waitingForDrain && !s.replaying) this.flush(s);
    else if (s.queuedBytes > this.opts.maxQueueBytes) this.overflow(s);
  }

  /**
   * Starts a stream on `res`: headers, `retry`, a ping, then every stored event after `since`
   * (when given), then live events: none lost, none twice.
   */
  subscribe(res: ServerResponse, opts: { since?: number; runId?: string; jobId?: string }): void {
    // Everything delivered so far is behind a live subscriber; every later batch reaches it.
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive", "X-Accel-Buffering": "no" });
    const s: Subscriber = { res, runId: opts.runId, jobId: opts.runId ? opts.jobId : undefined, queue: [], queuedBytes: 0, sent: opts.since ?? this.log.delivered(), replaying: opts.since !== undefined, waitingForDrain: false, closed: false };
    res.write(`retry: 2000\n\n${PING}`);
    this.subs.add(s);
    res.on("close", () => this.drop(s));
    if (s.replaying) void this.replay(s);
  }

  private async replay(s: Subscriber): Promise<void> {
    // Reads the store until caught up with what was delivered live when the replay began; live
    // batches meanwhile wait in the subscriber's queue and are sent after it, minus what the
    // replay already sent.
    for (;;) {
      let page: StoredEvent[];
      try {
        page = await this.log.readSince(s.sent, { runId: s.runId, jobId: s.jobId, limit: REPLAY_PAGE });
      } catch (err) {
        s.res.destroy(err instanceof Error ? err : new Error(String(err)));
        return this.drop(s);
      }
      if (s.closed) return;
      if (page.length === 0) break;
      s.sent = page[page.length - 1].id;
      const ok = s.res.write(page.map(frame).join(""));
      if (ok && page.length < REPLAY_PAGE) break;
      if (!ok) await new Promise((r) => s.res.once("drain", r));
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
    const sent = s.sent;
    const queue = s.queue.filter((q) => q.id > sent);
    s.queue = [];
    s.queuedBytes = 0;
    if (queue.length === 0) return;
    s.sent = queue[queue.length - 1].id;
    // A batch the replay already sent in part: only its newer frames.
    const parts = queue.map((q) => (q.first > sent ? q.bytes : Buffer.from(q.events.filter((e) => e.id > sent && wants(s, e)).map(frame).join(""))));
    // The queued batches leave in one write. Not cork()/uncork(): on Node 22 and later a
    // ServerResponse written while corked never emits 'drain' (nodejs/node#60432), and the
    // subscriber, waiting for it, would overflow although it reads everything.
    const ok = s.res.write(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    if (!ok) this.awaitDrain(s);
  }

  private write(s: Subscriber, text: string): void {
    if (s.closed) return;
    if (!s.res.write(text)) this.awaitDrain(s);
  }

  private awaitDrain(s: Subscriber): void {
    if (s.waitingForDrain) return;
    s.waitingForDrain = true;
    s.res.once("drain", () => {
      s.waitingForDrain = false;
      this.flush(s);
    });
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
