import type { StoredEvent } from "../contract/index.js";
import { errorMessage } from "../contract/index.js";

/** Events per read when catching up: large, since a networked store pays per round trip. */
const PAGE = 20_000;

/**
 * Delivers committed events to listeners exactly once, contiguous and in id order, whoever
 * committed them. Ids are assigned in commit order, so when id N is known committed every id
 * below N is too: a batch that arrives after a gap (another process committed in between) is
 * delivered after the gap is read from the store. Used by every store implementation.
 */
export class CommitFeed {
  private last: number;
  private readonly listeners: ((events: readonly StoredEvent[]) => void)[] = [];
  private waiters: { id: number; resolve: () => void }[] = [];
  /** Pending catch-ups, serialised so deliveries never interleave. */
  private chain: Promise<void> | undefined;

  constructor(
    /** Committed events of this store's workspace after `since`, in id order. */
    private readonly read: (since: number, limit: number) => Promise<StoredEvent[]>,
    start: number,
  ) {
    this.last = start;
  }

  /** The newest id delivered (a subscriber going live now has seen everything up to it). */
  get delivered(): number {
    return this.last;
  }

  onCommit(listener: (events: readonly StoredEvent[]) => void): void {
    this.listeners.push(listener);
  }

  /**
   * A batch this process committed. `previous` is the highest id committed before it (in any
   * workspace); when it is above what was delivered, another process committed meanwhile.
   */
  committed(batch: readonly StoredEvent[], previous: number): void {
    if (!batch.length) return;
    if (!this.chain && previous <= this.last) return this.deliver(batch);
    this.enqueue(async () => {
      await this.catchUp(batch[0].id - 1);
      this.deliver(batch);
    });
  }

  /** Another process committed up to `id` (a poll of the high-water mark, or a notification). */
  notify(id: number): void {
    if (id <= this.last) return;
    this.enqueue(() => this.catchUp(id));
  }

  /** Resolves once every event up to `id` was delivered (however busy the feed stays meanwhile). */
  until(id: number): Promise<void> {
    if (this.last >= id) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ id, resolve }));
  }

  /** Resolves once every delivery queued so far is done. */
  async idle(): Promise<void> {
    while (this.chain) await this.chain;
  }

  private enqueue(task: () => Promise<void>): void {
    const next: Promise<void> = (this.chain ?? Promise.resolve()).then(task).catch((err) => {
      // A failed read is retried by the next commit or poll: the high-water mark only moves on delivery.
      console.error(`stax: reading committed events failed: ${errorMessage(err)}`);
    });
    this.chain = next;
    void next.then(() => {
      if (this.chain === next) this.chain = undefined;
    });
  }

  private async catchUp(upTo: number): Promise<void> {
    while (this.last < upTo) {
      const page = await this.read(this.last, PAGE);
      const wanted = page.length && page[page.length - 1].id > upTo ? page.filter((e) => e.id <= upTo) : page;
      if (wanted.length) this.deliver(wanted);
      if (page.length < PAGE || wanted.length < page.length) {
        // Nothing more of this workspace up to `upTo`: the rest belongs to other workspaces.
        this.last = Math.max(this.last, upTo);
        this.wakeWaiters();
        return;
      }
    }
  }

  private deliver(batch: readonly StoredEvent[]): void {
    const fresh = batch[0].id > this.last ? batch : batch.filter((e) => e.id > this.last);
    if (!fresh.length) return;
    this.last = fresh[fresh.length - 1].id;
    for (const l of this.listeners) l(fresh);
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    if (!this.waiters.length) return;
    const ready = this.waiters.filter((w) => w.id <= this.last);
    this.waiters = this.waiters.filter((w) => w.id > this.last);
    for (const w of ready) w.resolve();
  }
}
