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
  state = c;
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
    pending.push({ id, type: e.type, runId: data.runId, jobId: data.jobId, stepNumber: data.stepNumber, data } as StoredEvent);
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
    setState("reconnecting");
    offlineTimer ??= setTimeout(() => setState("offline"), 4000);
    if (es.readyState === EventSource.CLOSED) retryTimer = setTimeout(open, 1500);
  });
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

/** Keeps a live stream open on pages that subscribe to nothing, so the badge tells the truth. */
export function ensureConnected(): void {
  if (!source) open();
}
