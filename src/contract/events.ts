import type { Job, Step, WorkflowRun } from "./model.js";

/**
 * The SSE event contract (docs/events.md), exactly: the payload of each event type.
 * `data` of an event is what goes on the wire after `data: `.
 */
export interface EventPayloads {
  "run.started": { runId: string; run: WorkflowRun };
  "run.completed": { runId: string; run: WorkflowRun };
  "job.started": { runId: string; jobId: string; job: Job };
  "job.completed": { runId: string; jobId: string; job: Job };
  "step.started": { runId: string; jobId: string; stepNumber: number; step: Step };
  "step.completed": { runId: string; jobId: string; stepNumber: number; step: Step };
  /** One stdout/stderr line of a step, newline kept, already masked. */
  "step.log": { runId: string; jobId: string; stepNumber: number; line: string };
}

export type SSEEventType = keyof EventPayloads;

export const SSE_EVENT_TYPES: readonly SSEEventType[] = [
  "run.started",
  "run.completed",
  "job.started",
  "job.completed",
  "step.started",
  "step.completed",
  "step.log",
];

/** An event of the contract, `SSEEvent<T>`, discriminated by `type`. */
export type SSEEvent = {
  [K in SSEEventType]: {
    type: K;
    runId: string;
    jobId?: string;
    stepNumber?: number;
    data: EventPayloads[K];
  };
}[SSEEventType];

/** An event as stored and streamed: with its monotonic id (the SSE `id:`). */
export type StoredEvent = SSEEvent & { id: number };

/** Where the engine publishes. The runner's hub, the store and the CLI renderer implement it. */
export interface EventSink {
  emit(event: SSEEvent): void;
  /** An event another process stored already (a worker's): update what this sink keeps, store nothing. */
  applyStored?(event: SSEEvent): void;
}

/** Sent on connect and every 30 s. */
export const PING = "ping";
/** Sent to a subscriber whose queue overflowed, just before it is disconnected. */
export const OVERFLOW = "overflow";
export interface OverflowPayload {
  lastEventId: number;
}

/** Builds an event with the routing fields (`runId`, `jobId`, `stepNumber`) an `SSEEvent` carries. */
export function makeEvent<K extends SSEEventType>(type: K, data: EventPayloads[K]): SSEEvent {
  const d = data as { runId: string; jobId?: string; stepNumber?: number };
  return { type, runId: d.runId, jobId: d.jobId, stepNumber: d.stepNumber, data } as SSEEvent;
}
