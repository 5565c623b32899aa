/**
 * A replay storm (issue 24, item 5): many clients asking for a finished run's whole stream at
 * once (`GET /api/events?runId=…&since=0`), and `/health` asked meanwhile. Shared by the test
 * and `npm run bench`. Each client is a plain socket that counts bytes and looks for the run's
 * `run.completed` frame, so this process does little next to the runner it measures.
 */
import { request } from "node:http";
import { connect } from "node:net";

export interface StormResult {
  /** Round trips of the `/health` requests made while the replays went, one after another. */
  healthMs: number[];
  /** Clients that received the whole replay (up to `run.completed`). */
  complete: number;
  /** From the first request to the last client's `run.completed`. */
  seconds: number;
  /** Bytes received by each client, on average. */
  bytesEach: number;
}

const MARK = Buffer.from("event: run.completed\n");

/** One client: resolves with its byte count once `run.completed` arrived (or the socket closed without it: -1). */
function replayClient(url: string, runId: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    let bytes = 0;
    let tail: Buffer = Buffer.alloc(0);
    const s = connect({ host: hostname, port: Number(port) }, () => s.write(`GET /api/events?runId=${runId}&since=0 HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`));
    s.on("data", (d: Buffer) => {
      bytes += d.length;
      // The mark may straddle two chunks: search the end of the last one with this one.
      const hay = tail.length ? Buffer.concat([tail, d]) : d;
      if (hay.indexOf(MARK) >= 0) {
        s.destroy();
        resolve(bytes);
      }
      tail = d.subarray(Math.max(0, d.length - MARK.length));
    });
    s.on("error", () => resolve(-1));
    s.on("close", () => resolve(-1));
  });
}

function health(url: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${url}/health`, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(performance.now() - started));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Starts `clients` full replays of `runId` at once and asks `/health` every `everyMs` until they are done. */
export async function replayStorm(url: string, runId: string, clients: number, everyMs = 20): Promise<StormResult> {
  const started = performance.now();
  let done = false;
  const replays = Promise.all(Array.from({ length: clients }, () => replayClient(url, runId))).finally(() => (done = true));
  const healthMs: number[] = [];
  while (!done) {
    healthMs.push(await health(url));
    await new Promise((r) => setTimeout(r, everyMs));
  }
  const counts = await replays;
  const ok = counts.filter((n) => n > 0);
  return { healthMs, complete: ok.length, seconds: (performance.now() - started) / 1000, bytesEach: ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : 0 };
}

/** The `p`th percentile of `xs`. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}
