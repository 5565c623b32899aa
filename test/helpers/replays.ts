/**
 * A replay storm (issue 24, item 5): many clients asking for a finished run's whole stream at
 * once (`GET /api/events?runId=…&since=0`), and `/health` asked meanwhile. Shared by the test
 * and `npm run bench`. Each client is a plain socket that counts bytes and looks for the run's
 * `run.completed` frame.
 *
 * The clients run in a worker thread, `/health` is timed on this one: 40 clients receive some
 * 1.2 GB, and on one event loop with them the `/health` round trips measured the clients' reading
 * as much as the runner (a runner that served every client at once looked slower than one that
 * served them one after another).
 */
import { request } from "node:http";
import { Worker } from "node:worker_threads";

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

/**
 * The clients, as plain JavaScript (the worker does not go through the TypeScript loader): each
 * resolves with its byte count once `run.completed` arrived, or -1 if the socket closed before.
 * The mark may straddle two chunks: the end of the last chunk is searched with the start of this one.
 */
const CLIENTS = `
const { connect } = require("node:net");
const { parentPort, workerData } = require("node:worker_threads");
const MARK = Buffer.from("event: run.completed\\n");
const { host, port, runId, clients } = workerData;
function client() {
  return new Promise((resolve) => {
    let bytes = 0;
    let tail = Buffer.alloc(0);
    const s = connect({ host, port }, () => s.write("GET /api/events?runId=" + runId + "&since=0 HTTP/1.1\\r\\nHost: " + host + ":" + port + "\\r\\n\\r\\n"));
    s.on("data", (d) => {
      bytes += d.length;
      const seam = Buffer.concat([tail, d.subarray(0, MARK.length - 1)]);
      if (seam.indexOf(MARK) >= 0 || d.indexOf(MARK) >= 0) {
        s.destroy();
        resolve(bytes);
      }
      tail = Buffer.from(d.subarray(Math.max(0, d.length - MARK.length + 1)));
    });
    s.on("error", () => resolve(-1));
    s.on("close", () => resolve(-1));
  });
}
Promise.all(Array.from({ length: clients }, client)).then((counts) => parentPort.postMessage(counts));
`;

/** Starts `clients` replays of `runId` in a worker thread; resolves with each one's byte count (-1: incomplete). */
export function replayClients(url: string, runId: string, clients: number): Promise<number[]> {
  const { hostname, port } = new URL(url);
  const worker = new Worker(CLIENTS, {
    eval: true,
    workerData: { host: hostname, port: Number(port), runId, clients },
  });
  return new Promise<number[]>((resolve, reject) => {
    worker.once("message", (counts: number[]) => resolve(counts));
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the replay clients' worker exited with ${code} before reporting`)));
  }).finally(() => void worker.terminate());
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
  const replays = replayClients(url, runId, clients).finally(() => (done = true));
  const healthMs: number[] = [];
  while (!done) {
    healthMs.push(await health(url));
    await new Promise((r) => setTimeout(r, everyMs));
  }
  const counts = await replays;
  const ok = counts.filter((n) => n > 0);
  return {
    healthMs,
    complete: ok.length,
    seconds: (performance.now() - started) / 1000,
    bytesEach: ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : 0,
  };
}

/** The `p`th percentile of `xs`. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}
