import type { EventLog } from "../store/index.js";
import { encodeFrames } from "./frames.js";

/** A page of a replay: how many events were read, the last one's id, and their frames, encoded once for every reader. */
export interface ReplayPage {
  count: number;
  lastId: number;
  bytes: Buffer;
}

interface Entry {
  /** The read's sequence number: a reader that subscribed after it started must not take a short page from it. */
  seq: number;
  /** Set once read: a full page, which any reader may take. */
  full?: boolean;
  bytes: number;
  page: Promise<ReplayPage>;
}

/**
 * Pages of the store read for SSE replays, shared by concurrent replays of the same filter: 40
 * clients replaying a 300k-line run from 0 read and encode each page once, not 40 times.
 *
 * A full page (as many events as asked) never changes, since event ids only grow: it is kept,
 * as frames only, while the pages kept stay under `keepBytes`, for whichever reader reaches it
 * (readers of one run drift apart by many pages). A short page is the tail as it was when read;
 * it is shared only with readers that subscribed before the read began (whose live queue holds
 * whatever came after), and forgotten once read.
 */
export class ReplayPages {
  private readonly pages = new Map<string, Entry>();
  private seq = 0;
  private kept = 0;

  constructor(
    private readonly log: EventLog,
    private readonly pageSize: number,
    private readonly keepBytes = 32 * 1024 * 1024,
  ) {}

  /** A number that orders subscriptions against reads (see `read`'s `subscribed`). */
  mark(): number {
    return ++this.seq;
  }

  /** The events after `after` of the filter, at most `pageSize`; `subscribed`: the reader's `mark()` when it subscribed. */
  read(after: number, filter: { runId?: string; jobId?: string }, subscribed: number): Promise<ReplayPage> {
    const key = `${filter.runId ?? ""}\0${filter.jobId ?? ""}\0${after}`;
    const hit = this.pages.get(key);
    if (hit && (hit.full || hit.seq > subscribed)) return hit.page;
    if (hit) this.forget(key);
    const entry: Entry = { seq: ++this.seq, bytes: 0, page: undefined as unknown as Promise<ReplayPage> };
    entry.page = this.log.readSince(after, { ...filter, limit: this.pageSize }).then((events) => {
      const page = {
        count: events.length,
        lastId: events.length ? events[events.length - 1].id : after,
        bytes: encodeFrames(events),
      };
      entry.full = events.length >= this.pageSize;
      if (this.pages.get(key) !== entry) return page;
      if (!entry.full) this.forget(key);
      else {
        entry.bytes = page.bytes.length;
        this.kept += entry.bytes;
        this.trim();
      }
      return page;
    });
    entry.page.catch(() => this.pages.get(key) === entry && this.forget(key));
    this.pages.set(key, entry);
    return entry.page;
  }

  private forget(key: string): void {
    const e = this.pages.get(key);
    if (!e) return;
    this.kept -= e.bytes;
    this.pages.delete(key);
  }

  /** Drops the oldest pages (insertion order is age) beyond the byte budget. */
  private trim(): void {
    for (const key of this.pages.keys()) {
      if (this.kept <= this.keepBytes) break;
      this.forget(key);
    }
  }
}
