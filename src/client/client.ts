import { createParser, type EventSourceMessage } from "eventsource-parser";
import {
  StaxError,
  type ApiErrorBody,
  type ErrorCode,
  type HealthResponse,
  type StoredEvent,
  errorMessage,
} from "../contract/index.js";

/** What the SSE reader hands out: stored events, and the stream's own `ping` / `overflow`. */
export type StreamItem = StoredEvent | { type: "ping" } | { type: "overflow"; data: { lastEventId: number } };

/** A typed REST + SSE client of the runner, for the CLI (the dashboard uses the browser's own). */
export class RunnerClient {
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  private headers(json: boolean): Record<string, string> {
    return {
      ...(json ? { "Content-Type": "application/json" } : {}),
      ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
    };
  }

  /**
   * `/health`, or undefined when nothing answers within `timeoutMs`. Asked with node:http, not
   * `fetch`: loading fetch's HTTP stack cost every `stax run` ~60 ms of CPU only to learn that no
   * runner answers.
   */
  health(timeoutMs = 800): Promise<HealthResponse | undefined> {
    let url: URL;
    try {
      url = new URL(`${this.baseUrl}/health`);
    } catch {
      return Promise.resolve(undefined);
    }
    // Loaded when asked (https only for an https runner URL), and never as ESM (see scripts/build.mjs).
    const { request } = process.getBuiltinModule(
      url.protocol === "https:" ? "node:https" : "node:http",
    ) as typeof import("node:http");
    return new Promise((resolve) => {
      let answered = false;
      const req = request(url, { headers: this.headers(false), agent: false }, (res) => {
        answered = true;
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("error", () => done(undefined));
        res.on("close", () => done(undefined)); // cut off; after `end`, changes nothing (a promise resolves once)
        res.on("end", () => {
          try {
            done(res.statusCode === 200 ? (JSON.parse(body) as HealthResponse) : undefined);
          } catch {
            done(undefined);
          }
        });
      });
      const timer = setTimeout(() => req.destroy(), timeoutMs);
      const done = (health: HealthResponse | undefined): void => {
        clearTimeout(timer);
        resolve(health);
      };
      req.on("error", () => done(undefined));
      req.on("close", () => answered || done(undefined));
      req.end();
    });
  }

  /** A JSON request; an error answer becomes the StaxError it describes. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: this.headers(body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new StaxError(
        "RUNNER_UNAVAILABLE",
        `the runner at ${this.baseUrl} is not answering (${errorMessage(err)})`,
      );
    }
    const type = res.headers.get("content-type") ?? "";
    if (!res.ok) {
      const payload = type.includes("json") ? ((await res.json()) as ApiErrorBody) : undefined;
      throw new StaxError(
        (payload?.error.code ?? "INTERNAL") as ErrorCode,
        payload?.error.message ?? `${res.status} ${res.statusText}`,
        payload?.error.details,
      );
    }
    return (type.includes("json") ? await res.json() : await res.text()) as T;
  }

  /** Raw response (downloads). */
  async fetchRaw(path: string): Promise<Response> {
    const res = await fetch(`${this.baseUrl}${path}`, { headers: this.headers(false) });
    if (!res.ok) {
      const payload = (await res.json().catch(() => undefined)) as ApiErrorBody | undefined;
      throw new StaxError((payload?.error.code ?? "INTERNAL") as ErrorCode, payload?.error.message ?? `${res.status}`);
    }
    return res;
  }

  /**
   * Follows `/api/events` until `onItem` returns true or `signal` aborts (Node has no
   * EventSource client; eventsource-parser reads the frames). When the runner drops the stream (an `overflow`
   * because this reader fell behind, or a lost connection), it resumes from the last event it
   * got, so the caller sees every event once; `overflow` never reaches `onItem`.
   */
  async events(
    opts: { since?: number; runId?: string; signal?: AbortSignal },
    onItem: (item: Exclude<StreamItem, { type: "overflow" }>) => boolean | void,
  ): Promise<void> {
    let since = opts.since;
    // The server's `retry:` is how long to wait before connecting again; until it says, 200 ms more per try.
    let retryMs: number | undefined;
    for (let retries = 0; ;) {
      const q = new URLSearchParams();
      if (since !== undefined) q.set("since", String(since));
      if (opts.runId) q.set("runId", opts.runId);
      let res: Response;
      try {
        res = await fetch(`${this.baseUrl}/api/events?${q}`, { headers: this.headers(false), signal: opts.signal });
      } catch (err) {
        if (opts.signal?.aborted || since === undefined || ++retries > 5) throw err;
        await new Promise((r) => setTimeout(r, retryMs ?? 200 * retries));
        continue;
      }
      if (!res.ok || !res.body) throw new StaxError("RUNNER_UNAVAILABLE", `cannot follow events: ${res.status}`);
      // The parser takes what the SSE format allows beyond our own runner's frames: `data:`
      // without a space, CRLF or CR line ends, multi-line data, comments and `retry:`.
      const items: StreamItem[] = [];
      const parser = createParser({ onEvent: (m) => items.push(itemOf(m)), onRetry: (ms) => (retryMs = ms) });
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }));
        for (const item of items.splice(0)) {
          if (item.type === "overflow") {
            since = item.data.lastEventId;
            continue;
          }
          if ("id" in item && item.id !== undefined) {
            since = item.id;
            retries = 0;
          }
          if (onItem(item) === true) {
            await res.body.cancel().catch(() => {});
            return;
          }
        }
      }
      // The stream ended before the caller was done: resume where it stopped (live-only streams can't).
      if (since === undefined || ++retries > 5)
        throw new StaxError("RUNNER_UNAVAILABLE", "the runner closed the event stream");
    }
  }
}

/** One SSE message to an item: a stored event (its `id` the event's number), or the stream's `ping` / `overflow`. */
export function itemOf(message: EventSourceMessage): StreamItem {
  const payload = JSON.parse(message.data);
  const type = message.event ?? "message";
  if (type === "ping") return { type: "ping" };
  if (type === "overflow") return { type: "overflow", data: payload };
  const id = message.id === undefined || message.id === "" ? undefined : Number(message.id);
  return {
    id,
    type,
    runId: payload.runId,
    jobId: payload.jobId,
    stepNumber: payload.stepNumber,
    data: payload,
  } as StoredEvent;
}
