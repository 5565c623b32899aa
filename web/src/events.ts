/**
 * The dashboard's one `EventSource` on `/api/events`. Pages say what they want (everything live,
 * or one run, or one job of a run, from the id of the snapshot they hold); the browser's own reconnect sends `Last-Event-ID`, so a
 * dropped connection resumes with no gap and no duplicate. When the browser gives up (runner down,
 * overflow), we reopen ourselves from the last id we saw.
 */
import { useEffect, useState } from "preact/hooks";
import { SSE_EVENT_TYPES, type StoredEvent } from "../../src/contract/index.js";

export type Connection = "connecting" | "healthy" | "reconnecting" | "offline";

type Handler = (events: StoredEvent[]) => void;

let source: EventSource | undefined;
let wanted: { runId?: string; jobId?: string; since?: number } = {};
let lastId: number | undefined;
let handler: Handler | undefined;
let state: Connection = "connecting";
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let offlineTimer: ReturnType<typeof setTimeout> | undefined;
const stateListeners = new Set<(c: Connection) => void>();
/** Bumped each time the stream opens again after a failure: views re-read what they could not load. */
let reconnects = 0;
const reconnectListeners = new Set<(n: number) => void>();
/** How long the badge says "reconnecting…" before it says the runner is offline, with the banner. */
const OFFLINE_AFTER_MS = 3000;

// Events are handed over once per animation frame, so a replay of 100k lines renders once, not 100k times.
let pending: StoredEvent[] = [];
let flushScheduled = false;
function flush(): void {
  flushScheduled = false;
  const batch = pending;
  pending = [];
  if (batch.length) handler?.(batch);
}

function setState(c: Connection): void {
  if (c === state) return;
  const back = c === "healthy" && (state === "reconnecting" || state === "offline");
  state = c;
  if (back) {
    reconnects++;
    for (const l of reconnectListeners) l(reconnects);
  }
  for (const l of stateListeners) l(c);
}

function open(): void {
  source?.close();
  clearTimeout(retryTimer);
  const p = new URLSearchParams();
  if (wanted.runId) p.set("runId", wanted.runId);
  if (wanted.runId && wanted.jobId) p.set("jobId", wanted.jobId);
  const since = lastId ?? wanted.since;
  if (since !== undefined) p.set("since", String(since));
  const es = new EventSource(`/api/events${p.size ? `?${p}` : ""}`);
  source = es;
  const onEvent = (e: MessageEvent<string>) => {
    const id = Number(e.lastEventId);
    if (Number.isFinite(id) && id > 0) {
      if (lastId !== undefined && id <= lastId) return;
      lastId = id;
    }
    const data = JSON.parse(e.data) as { runId: string; jobId?: string; stepNumber?: number };
    pending.push({
      id,
      type: e.type,
      runId: data.runId,
      jobId: data.jobId,
      stepNumber: data.stepNumber,
      data,
    } as StoredEvent);
    if (!flushScheduled) {
      flushScheduled = true;
      requestAnimationFrame(flush);
    }
  };
  for (const t of SSE_EVENT_TYPES) es.addEventListener(t, onEvent as EventListener);
  es.addEventListener("open", () => {
    clearTimeout(offlineTimer);
    offlineTimer = undefined;
    setState("healthy");
  });
  es.addEventListener("error", () => {
    if (source !== es) return;
    unreachable();
    if (es.readyState === EventSource.CLOSED) retryTimer = setTimeout(open, 1500);
  });
}

/**
 * The runner did not answer (the stream failed, or a request could not be sent): "reconnecting…"
 * now, "runner offline" with the banner if the stream has not opened again within a few seconds.
 * Only the stream's `open` makes it live again.
 */
export function unreachable(): void {
  if (state === "offline") return;
  setState("reconnecting");
  offlineTimer ??= setTimeout(() => {
    offlineTimer = undefined;
    if (state !== "healthy") setState("offline");
  }, OFFLINE_AFTER_MS);
  // A stream that still looks open may not have noticed yet (a request failed first): open it again.
  if (source && source.readyState === EventSource.OPEN) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(open, 500);
  }
}

/**
 * Streams events to `onEvents` until the returned function is called: of one run (and, with
 * `jobId`, without the other jobs' step events) or of every run; from `since` (the snapshot's
 * `lastEventId`, so nothing the snapshot holds is replayed), else live only.
 */
export function subscribe(opts: { runId?: string; jobId?: string; since?: number }, onEvents: Handler): () => void {
  wanted = opts;
  lastId = undefined;
  pending = [];
  handler = onEvents;
  open();
  return () => {
    if (handler === onEvents) handler = undefined;
  };
}

/** The connection state, for the badge. */
export function useConnection(): Connection {
  const [c, setC] = useState(state);
  useEffect(() => {
    stateListeners.add(setC);
    setC(state);
    return () => void stateListeners.delete(setC);
  }, []);
  return c;
}

/**
 * How many times the connection came back: a view puts it in its effect's dependencies (with a
 * failed load, or always), so what failed while the runner was down is read again without a reload.
 */
export function useReconnects(): number {
  const [n, setN] = useState(reconnects);
  useEffect(() => {
    reconnectListeners.add(setN);
    setN(reconnects);
    return () => void reconnectListeners.delete(setN);
  }, []);
  return n;
}

/** Keeps a live stream open on pages that subscribe to nothing, so the badge tells the truth. */
export function ensureConnected(): void {
  if (!source) open();
}
