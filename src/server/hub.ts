import type { StoredEvent } from "../contract/index.js";
import type { EventLog } from "../store/index.js";
import { encodeFrames, framesAfter, withRoom } from "./frames.js";
import { ReplayPages, type ReplayPage } from "./replay-pages.js";
import { CHUNK_ROOM, chunkAround, chunked, SseSocket } from "./sse-socket.js";

/** Whether a subscriber gets an event: everything, one run, or one job of a run (with the run's run.* and job.* events). */
function wants(s: { runId?: string; jobId?: string }, e: StoredEvent): boolean {
  if (!s.runId) return true;
  if (e.runId !== s.runId) return false;
  return s.jobId === undefined || !e.type.startsWith("step.") || (e.data as { jobId?: string }).jobId === s.jobId;
}

const PING = "event: ping\ndata: {}\n\n";
const PING_BYTES = Buffer.from(PING);
const PING_CHUNK = chunked(PING_BYTES);
/** A stream's first bytes: the client's reconnection delay, and a ping. */
const HELLO = Buffer.from(`retry: 2000\n\n${PING}`);
const HELLO_CHUNK = chunked(HELLO);
/** Events per replay page: one page is read and written per turn of the event loop, so a page bounds what a replay holds up. */
const REPLAY_PAGE = 2000;
/** Bytes of frames gathered in one tick before a subscriber is written to without waiting for the tick's end. */
const FLUSH_AT = 64 * 1024;
/** A round of writes to the subscribers begins at least this many times the last one's length after it began: at most a quarter of the time goes to them, in fewer, larger writes. */
const ROUND_SPACING = 4;
/** How long after the last unfiltered subscriber left the recent batches are still kept (it may be resuming after an overflow). */
const KEEP_RECENT_MS = 5000;

/** The frames of one published batch (or of its events a subscriber's filter keeps): ids `first`..`id`. */
interface QueueEntry {
  first: number;
  id: number;
  bytes: Buffer;
  /** `bytes` as a chunk of the chunked coding, framed in the room around them at its first write (`chunkAround`). */
  framed?: Buffer;
}

interface Subscriber {
  /** Where its frames are written: the stream's socket, its head sent. */
  out: SseSocket;
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
  /** When it subscribed, against the replay pages' reads (`ReplayPages.mark`). */
  mark: number;
  waitingForDrain: boolean;
  closed: boolean;
}

export interface HubOptions {
  /** A subscriber whose unsent frames exceed this is told `overflow` and disconnected. */
  maxQueueBytes: number;
  pingIntervalMs: number;
}

/**
 * The SSE hub: every stored event goes to every matching subscriber. Each batch is encoded once
 * per filter into one buffer that every subscriber with that filter shares; the frames of one tick
 * leave in one write per subscriber. A slow subscriber only grows its own bounded queue: the
 * engine and the other subscribers never wait for it.
 *
 * While anyone subscribes to the unfiltered stream, its newest batches (twice `maxQueueBytes`)
 * stay in memory, so a subscriber told `overflow` that resumes soon after is served from there,
 * not from the store.
 */
export class EventHub {
  private readonly subs = new Set<Subscriber>();
  private scheduled = false;
  /** Set by `close`: a stream subscribed later is ended at once. */
  private closed = false;
  /** When the last round of writes to every subscriber began, and how long it took (ms). */
  private roundStart = 0;
  private roundLength = 0;
  /** During a round: the queues written, by their first batch, and once a second subscriber had the same, them joined. */
  private round: Map<QueueEntry, { last: QueueEntry; entry?: QueueEntry }> | undefined;
  private readonly pinger: NodeJS.Timeout;
  /** The unfiltered stream of every event after `recentFrom` up to `published`, oldest batch first. */
  private recent: QueueEntry[] = [];
  private recentBytes = 0;
  private recentFrom: number;
  /** The newest event id published. */
  private published: number;
  /** Subscribers to the unfiltered stream: while there are none, it is not encoded. */
  private unfiltered = 0;
  /** When the last of them left: the recent batches are kept up for a while after (a resume is on its way). */
  private lastLeft = 0;
  private readonly pages: ReplayPages;

  constructor(
    private readonly log: EventLog,
    private readonly opts: HubOptions,
  ) {
    this.published = this.recentFrom = log.delivered();
    this.pages = new ReplayPages(log, REPLAY_PAGE);
    this.pinger = setInterval(() => {
      for (const s of this.subs) if (!s.replaying) this.write(s, PING_BYTES, PING_CHUNK);
    }, opts.pingIntervalMs);
    this.pinger.unref();
  }

  get size(): number {
    return this.subs.size;
  }

  /** Publishes a committed batch of events, in id order. */
  publish(batch: readonly StoredEvent[]): void {
    if (batch.length === 0) return;
    const first = batch[0].id;
    const last = batch[batch.length - 1].id;
    this.published = last;
    let all: QueueEntry | undefined;
    if (this.unfiltered > 0 || Date.now() - this.lastLeft <= KEEP_RECENT_MS)
      this.remember((all = { first, id: last, bytes: encodeFrames(batch, undefined, CHUNK_ROOM) }));
    else {
      // No unfiltered stream to serve: it is not encoded, and what is kept starts after this batch.
      this.recent = [];
      this.recentBytes = 0;
      this.recentFrom = last;
    }
    const byFilter = new Map<string, QueueEntry>();
    for (const s of this.subs) {
      // Replaying subscribers queue live batches too: the store is read asynchronously, so a
      // batch committed after their last read would otherwise be lost. Ids deduplicate.
      // Without a filter it gets the unfiltered stream, which is encoded while such a subscriber exists.
      let entry = all!;
      if (s.runId) {
        const key = `${s.runId}\0${s.jobId ?? ""}`;
        let filtered = byFilter.get(key);
        if (!filtered)
          byFilter.set(
            key,
            (filtered = { first, id: last, bytes: encodeFrames(batch, (e) => wants(s, e), CHUNK_ROOM) }),
          );
        entry = filtered;
      }
      if (entry.bytes.length) this.enqueue(s, entry);
    }
    if (!this.scheduled) {
      this.scheduled = true;
      // Rounds are spaced by ROUND_SPACING times the last round's length: with few subscribers a
      // round takes microseconds and the next batch leaves on the next turn; with a thousand, each
      // write carries more frames, so the writes (and each subscriber's reads) per second stay
      // bounded instead of growing with the batches' rate times the subscribers.
      const wait = this.roundStart + ROUND_SPACING * this.roundLength - performance.now();
      if (wait < 1) setImmediate(() => this.flushAll());
      else setTimeout(() => this.flushAll(), wait);
    }
  }

  /** Keeps a batch of the unfiltered stream among the recent ones, dropping the oldest beyond the bound. */
  private remember(entry: QueueEntry): void {
    this.recent.push(entry);
    this.recentBytes += entry.bytes.length;
    while (this.recent.length > 1 && this.recentBytes > 2 * this.opts.maxQueueBytes) {
      const old = this.recent.shift()!;
      this.recentBytes -= old.bytes.length;
      this.recentFrom = old.id;
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
   * Starts a stream on `out`, whose head is sent: `retry`, a ping, then every stored event after
   * `since` (when given), then live events: none lost, none twice.
   */
  subscribe(out: SseSocket, opts: { since?: number; runId?: string; jobId?: string }): void {
    // A stream whose request was read before the runner began to stop, and served after.
    if (this.closed) return out.end(undefined, true);
    // Everything delivered so far is behind a live subscriber; every later batch reaches it.
    const s: Subscriber = {
      out,
      runId: opts.runId,
      jobId: opts.runId ? opts.jobId : undefined,
      queue: [],
      queuedBytes: 0,
      sent: opts.since ?? this.log.delivered(),
      replaying: opts.since !== undefined,
      mark: this.pages.mark(),
      waitingForDrain: false,
      closed: false,
    };
    this.write(s, HELLO, HELLO_CHUNK);
    this.subs.add(s);
    if (!s.runId) this.unfiltered++;
    out.onClose(() => this.drop(s));
    if (!s.replaying) return;
    // An unfiltered resume from within the recent batches (which reach up to what was delivered): they are its replay.
    if (!s.runId && this.recentFrom <= s.sent && s.sent <= this.published && this.published === this.log.delivered()) {
      // Written at once, as a replay page is: the queue bound applies to what comes after.
      s.queue = this.recent.filter((q) => q.id > s.sent);
      s.replaying = false;
      this.flush(s);
    } else void this.replay(s);
  }

  private async replay(s: Subscriber): Promise<void> {
    // Reads the store until caught up with what was delivered live when the replay began; live
    // batches meanwhile wait in the subscriber's queue and are sent after it, minus what the
    // replay already sent.
    //
    // Paced: one page per turn of the event loop (the store's reads are synchronous on SQLite),
    // so /health, new requests and live subscribers get their turn between two pages of every
    // replay; concurrent replays of the same run share each page's read and encoding.
    for (;;) {
      let page: ReplayPage;
      try {
        page = await this.pages.read(s.sent, { runId: s.runId, jobId: s.jobId }, s.mark);
      } catch (err) {
        s.out.destroy(err instanceof Error ? err : new Error(String(err)));
        return this.drop(s);
      }
      if (s.closed) return;
      if (page.count === 0) break;
      s.sent = page.lastId;
      const ok = s.out.write(page.bytes);
      if (ok && page.count < REPLAY_PAGE) break;
      if (!ok) await new Promise<void>((r) => s.out.onDrain(r));
      // Always a turn of the event loop, also after a drain: a write the socket takes at once
      // emits 'drain' on the next tick, not the next turn, and a client reading as fast as the
      // runner writes had its whole replay read and written in one turn (issue 24: a fresh
      // runner's first replay of a 300k-line run held /health 0.5-1.1 s, before any page was shared).
      await new Promise((r) => setImmediate(r));
      if (s.closed) return;
    }
    s.replaying = false;
    this.flush(s);
  }

  private flushAll(): void {
    this.scheduled = false;
    this.roundStart = performance.now();
    this.round = new Map();
    for (const s of this.subs) this.flush(s);
    this.round = undefined;
    this.roundLength = performance.now() - this.roundStart;
  }

  private flush(s: Subscriber): void {
    if (s.replaying || s.waitingForDrain || s.closed || s.queue.length === 0) return;
    const sent = s.sent;
    const queue = s.queue.filter((q) => q.id > sent);
    s.queue = [];
    s.queuedBytes = 0;
    if (queue.length === 0) return;
    s.sent = queue[queue.length - 1].id;
    if (queue[0].first > sent) {
      // Whole batches (a subscriber that keeps up): one buffer, shared by the subscribers that
      // have the same batches queued, or (the first of them this round) the batches as they are.
      const whole = queue.length === 1 ? queue[0] : this.joined(queue);
      if (whole) return this.write(s, whole.bytes, this.framed(s, whole));
      if (!s.out.writeAll(queue.map((q) => ({ bytes: q.bytes, framed: this.framed(s, q) })))) this.awaitDrain(s);
      return;
    }
    // A batch partly sent already (by the replay, rare): only its newer frames, in one write.
    // The response itself is never corked: on Node 22 and later a ServerResponse written while
    // corked never emits 'drain' (nodejs/node#60432), and the subscriber, waiting for it, would
    // overflow although it reads everything; the socket's own cork (`SseSocket`) drains as any stream.
    const parts = queue.map((q) => (q.first > sent ? q.bytes : framesAfter(q.bytes, sent)));
    this.write(s, parts.length === 1 ? parts[0] : Buffer.concat(parts));
  }

  /** The chunk of a batch for a chunked response, framed once for every subscriber; none for HTTP/1.0. */
  private framed(s: Subscriber, q: QueueEntry): Buffer | undefined {
    return s.out.chunked ? (q.framed ??= chunkAround(q.bytes)) : undefined;
  }

  /**
   * The batches of `queue` as one entry, for the second and later subscribers of a round that
   * have the same batches queued (those of one filter that keep up): joined once, written by
   * each in one write. Undefined for the first (it writes them as they are, in one writev) and
   * outside a round. A filter's batches form one sequence and a queue is a stretch of it, so its
   * first and last batch name it.
   */
  private joined(queue: QueueEntry[]): QueueEntry | undefined {
    if (!this.round) return undefined;
    const first = queue[0];
    const last = queue[queue.length - 1];
    const made = this.round.get(first);
    if (made?.last !== last) {
      this.round.set(first, { last });
      return undefined;
    }
    if (made.entry) return made.entry;
    const bytes = withRoom(
      queue.reduce((n, q) => n + q.bytes.length, 0),
      CHUNK_ROOM,
    );
    let at = 0;
    for (const q of queue) {
      bytes.set(q.bytes, at);
      at += q.bytes.length;
    }
    return (made.entry = { first: first.first, id: last.id, bytes });
  }

  private write(s: Subscriber, bytes: Buffer, framed?: Buffer): void {
    if (s.closed) return;
    if (!s.out.write(bytes, framed)) this.awaitDrain(s);
  }

  private awaitDrain(s: Subscriber): void {
    if (s.waitingForDrain) return;
    s.waitingForDrain = true;
    s.out.onDrain(() => {
      s.waitingForDrain = false;
      this.flush(s);
    });
  }

  private overflow(s: Subscriber): void {
    if (s.closed) return;
    s.out.end(`event: overflow\ndata: ${JSON.stringify({ lastEventId: s.sent })}\n\n`);
    this.drop(s);
  }

  private drop(s: Subscriber): void {
    s.closed = true;
    s.queue = [];
    if (this.subs.delete(s) && !s.runId && --this.unfiltered === 0) this.lastLeft = Date.now();
  }

  /** Ends every stream and closes its connection at once (the runner stops). */
  close(): void {
    this.closed = true;
    clearInterval(this.pinger);
    for (const s of this.subs) {
      s.out.end(undefined, true);
      this.drop(s);
    }
  }
}
