/**
 * A job's log in the page, step by step, without holding it: each step's line count (`total`)
 * and group markers are fetched when the step is opened, its lines by page as rows come into
 * view, and a bounded number of pages is kept (least recently shown dropped first). A live
 * step's lines append from the stream.
 *
 * Exactness: `total` is exact as of event id `base`. A stream event with an id above `base`
 * is the step's next line; one at or below is already counted. A fetch answers a total with the
 * event id it was read at, and the newer of the two pairs wins. Texts are kept by line number,
 * so a line fetched and streamed is never shown twice.
 *
 * Times: a fetched line has the time the store wrote it (`t`, absent in stores older than the
 * times); a streamed line has the time this page received it (the event carries none) until its
 * page is fetched.
 */
import type { GroupMarker, StoredEvent } from "../../../src/contract/index.js";
import { api } from "../api.js";

/** Lines per fetched page. */
export const PAGE = 500;
/** Pages kept in memory across the job's steps (20,000 lines). */
const MAX_PAGES = 40;

/** A page of lines: texts and times by index in the page. */
interface Page {
  text: (string | undefined)[];
  t: (number | undefined)[];
}

export interface StepLog {
  /** Lines counted, exact as of event `base`; undefined until known. */
  total?: number;
  base: number;
  markers: Map<number, GroupMarker["kind"]>;
  loading: boolean;
  /** Live lines that arrived while the first fetch was out. */
  early: StoredEvent[];
  /** A count read before this event id is too old (the stream started again after it). */
  after: number;
}

export class JobLogs {
  private readonly steps = new Map<number, StepLog>();
  /** Pages by `step:page`, in least-recently-used order (a Map keeps insertion order). */
  private readonly pages = new Map<string, Page>();
  private readonly pending = new Set<string>();
  private scheduled = false;

  constructor(
    private readonly runId: string,
    private readonly jobId: string,
    private readonly onChange: () => void,
  ) {}

  step(n: number): StepLog {
    let s = this.steps.get(n);
    if (!s) this.steps.set(n, (s = { base: 0, markers: new Map(), loading: false, early: [], after: 0 }));
    return s;
  }

  /** Fetches the step's total and group markers once (a step opened, a link or a match in it). */
  open(n: number): void {
    const s = this.step(n);
    if (s.total !== undefined || s.loading) return;
    s.loading = true;
    api.stepGroups(this.runId, this.jobId, n).then(
      (g) => {
        s.loading = false;
        // Read before the stream's new start: lines between the two would be missed; read again.
        if (g.lastEventId < s.after) return this.open(n);
        for (const m of g.markers) s.markers.set(m.n, m.kind);
        this.count(s, g.total, g.lastEventId);
        for (const e of s.early.splice(0)) this.live(e);
        this.changed();
      },
      () => {
        s.loading = false;
        this.changed();
      },
    );
  }

  /**
   * The stream starts again after `since` (a new subscription): a step counted as of an earlier
   * event may have lines in between that neither the count nor the stream brings, so it is
   * counted again (the lines fetched so far stay: line numbers do not change).
   */
  resync(since: number): void {
    for (const [n, s] of this.steps) {
      s.after = Math.max(s.after, since);
      if (s.total === undefined || s.base >= since) continue;
      s.total = undefined;
      s.early = [];
      this.open(n);
    }
  }

  /** A line's text (with its marker, without the newline), or undefined while its page is fetched. */
  text(step: number, n: number): string | undefined {
    const p = Math.floor((n - 1) / PAGE);
    const key = `${step}:${p}`;
    const page = this.pages.get(key);
    const t = page?.text[(n - 1) % PAGE];
    if (page) {
      this.pages.delete(key);
      this.pages.set(key, page);
    }
    if (t === undefined) this.fetch(step, p);
    return t;
  }

  /** A line's time (ms since the epoch) when its page is here and it has one; never fetches. */
  time(step: number, n: number): number | undefined {
    return this.pages.get(`${step}:${Math.floor((n - 1) / PAGE)}`)?.t[(n - 1) % PAGE];
  }

  /** A stream event of this job: `step.started` (a step known empty) or `step.log`. */
  live(e: StoredEvent): void {
    if (e.type === "step.started" && e.data.jobId === this.jobId) {
      const s = this.step(e.data.stepNumber);
      if (s.total === undefined && !s.loading) this.count(s, 0, e.id);
      return;
    }
    if (e.type !== "step.log" || e.data.jobId !== this.jobId) return;
    const s = this.step(e.data.stepNumber);
    if (s.total === undefined) {
      // Unknown and not being fetched: a fetch when the step opens will count it.
      if (s.loading) s.early.push(e);
      return;
    }
    if (e.id <= s.base) return;
    s.base = e.id;
    const n = ++s.total;
    const text = e.data.line.endsWith("\n") ? e.data.line.slice(0, -1) : e.data.line;
    if (text.startsWith("##[group]")) s.markers.set(n, "group");
    else if (text.startsWith("##[endgroup]")) s.markers.set(n, "endgroup");
    const p = Math.floor((n - 1) / PAGE);
    let page = this.pages.get(`${e.data.stepNumber}:${p}`);
    // A new page at the tail is started when the one before is here (a followed step).
    if (!page && (p === 0 || this.pages.has(`${e.data.stepNumber}:${p - 1}`)))
      this.keep(`${e.data.stepNumber}:${p}`, (page = { text: [], t: [] }));
    if (page) {
      page.text[(n - 1) % PAGE] = text;
      page.t[(n - 1) % PAGE] = Date.now();
    }
    this.changed();
  }

  private count(s: StepLog, total: number, at: number): void {
    if (s.total === undefined || at > s.base) {
      s.total = total;
      s.base = at;
    }
  }

  private fetch(step: number, p: number): void {
    const key = `${step}:${p}`;
    if (this.pending.has(key)) return;
    this.pending.add(key);
    api.stepLines(this.runId, this.jobId, step, p * PAGE, PAGE).then(
      (res) => {
        this.pending.delete(key);
        const page = this.pages.get(key) ?? { text: [], t: [] };
        for (const l of res.lines) {
          page.text[l.n - 1 - p * PAGE] = l.text.endsWith("\n") ? l.text.slice(0, -1) : l.text;
          // The stored time replaces the time a streamed line was received.
          page.t[l.n - 1 - p * PAGE] = l.t;
        }
        this.keep(key, page);
        const s = this.step(step);
        if (s.total !== undefined) this.count(s, res.total, res.lastEventId);
        this.changed();
      },
      // A failed page is asked again after a pause, not at every frame.
      () => setTimeout(() => this.pending.delete(key), 2000),
    );
  }

  private keep(key: string, page: Page): void {
    this.pages.delete(key);
    this.pages.set(key, page);
    while (this.pages.size > MAX_PAGES) this.pages.delete(this.pages.keys().next().value!);
  }

  /** Changes are told once per animation frame. */
  private changed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.onChange();
    });
  }
}
