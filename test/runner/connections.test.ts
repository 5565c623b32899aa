/**
 * Issue 24, item 6: slow and greedy clients. Every socket here goes to 127.0.0.1; clients are
 * told apart by their source address (127.0.0.2, 127.0.0.3 … are loopback too on Linux), and
 * each test opens a bounded number of sockets (at most 45).
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { test } from "node:test";
import { startTestRunner, type TestRunner } from "../helpers/runner.js";
import { until } from "../helpers/temp.js";

const CAPS = {
  STAX_HEADERS_TIMEOUT_SECONDS: "1",
  STAX_KEEPALIVE_TIMEOUT_SECONDS: "1",
  STAX_MAX_CONNECTIONS_PER_CLIENT: "20",
  STAX_MAX_CONNECTIONS: "30",
  STAX_MAX_STREAMS_PER_CLIENT: "5",
  STAX_MAX_STREAMS: "8",
};

interface Answer {
  status: number;
  retryAfter?: string;
  code?: string;
  ms: number;
}

/** One GET from `from` (a loopback source address), on a connection of its own; resolves on the full answer or the status of a stream. */
function get(r: TestRunner, path: string, from = "127.0.0.1", keepOpen = false): Promise<Answer & { close(): void }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${r.url}${path}`, { localAddress: from, agent: false }, (res) => {
      const answer = {
        status: res.statusCode ?? 0,
        retryAfter: res.headers["retry-after"] as string | undefined,
        ms: performance.now() - started,
        close: () => req.destroy(),
      };
      if (keepOpen && res.statusCode === 200) return resolve(answer);
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () =>
        resolve({ ...answer, code: (JSON.parse(body || "{}") as { error?: { code?: string } }).error?.code }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

/** Connections the runner holds open now. */
const held = (r: TestRunner) =>
  new Promise<number>((resolve, reject) => r.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));

/** `n` connections from `from` that send the start of a request, never finish its headers, and never read (a slowloris). */
async function slowClients(r: TestRunner, n: number, from: string): Promise<{ sockets: Socket[] }> {
  const port = Number(new URL(r.url).port);
  const sockets = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect({ host: "127.0.0.1", port, localAddress: from }, () => {
            s.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
            resolve(s);
          });
          s.on("error", () => {});
          s.once("error", reject);
        }),
    ),
  );
  return { sockets };
}

test("connections that never finish their headers are closed within seconds, and a client over its cap gets 503 with Retry-After instead of silence", async () => {
  const r = await startTestRunner({ env: CAPS });
  let slow: { sockets: Socket[] } | undefined;
  try {
    slow = await slowClients(r, 20, "127.0.0.2");
    const started = performance.now();
    // The same client is at its cap: answered at once, 503 with Retry-After (before: no cap).
    const over = await get(r, "/health", "127.0.0.2");
    assert.equal(over.status, 503);
    assert.equal(over.code, "TOO_MANY_CONNECTIONS");
    assert.equal(over.retryAfter, "5");
    // Another client is served meanwhile.
    assert.equal((await get(r, "/health", "127.0.0.3")).status, 200);
    // Headers that do not arrive within STAX_HEADERS_TIMEOUT_SECONDS (1 s): the runner closes
    // the connections, though their clients never read (before: Node's defaults kept them for a
    // minute and more, and a half-closed socket until its client went away).
    let open = -1;
    await until(
      () => `the runner to let go of the slow connections (${open} open)`,
      async () => ((open = await held(r)) === 0 ? true : undefined),
      15_000,
    );
    const waited = performance.now() - started;
    assert.ok(waited < 10_000, `closed after ${Math.round(waited)} ms`);
    assert.equal(
      (await get(r, "/health", "127.0.0.2")).status,
      200,
      "the client is served again once its slow connections are gone",
    );
  } finally {
    for (const s of slow?.sockets ?? []) s.destroy();
    await r.close();
  }
});

test("the connection cap in total holds across clients: a third client is refused with 503 while two hold 30 connections", async () => {
  const r = await startTestRunner({ env: { ...CAPS, STAX_HEADERS_TIMEOUT_SECONDS: "30" } });
  const held: Socket[] = [];
  try {
    held.push(...(await slowClients(r, 15, "127.0.0.2")).sockets, ...(await slowClients(r, 15, "127.0.0.3")).sockets);
    const third = await get(r, "/health", "127.0.0.4");
    assert.equal(third.status, 503);
    assert.equal(third.retryAfter, "5");
    for (const s of held.splice(0, 5)) s.destroy();
    await until(
      "a free slot",
      async () => ((await get(r, "/health", "127.0.0.4")).status === 200 ? true : undefined),
      10_000,
    );
  } finally {
    for (const s of held) s.destroy();
    await r.close();
  }
});

test("SSE streams are counted apart from API requests: a client at its stream cap still gets API answers, and one stream more is 503 with Retry-After", async () => {
  const r = await startTestRunner({ env: CAPS });
  const streams: { close(): void }[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      const s = await get(r, "/api/events", "127.0.0.2", true);
      assert.equal(s.status, 200);
      streams.push(s);
    }
    const sixth = await get(r, "/api/events", "127.0.0.2", true);
    assert.equal(sixth.status, 503);
    assert.equal(sixth.code, "TOO_MANY_CONNECTIONS");
    assert.equal(sixth.retryAfter, "5");
    // The client's 5 streams take nothing of its 20 API connections: 19 slow ones and a request fit.
    const slow = await slowClients(r, 19, "127.0.0.2");
    assert.equal((await get(r, "/health", "127.0.0.2")).status, 200);
    for (const s of slow.sockets) s.destroy();
    // Another client's streams: the cap in all (8) is reached at 3 more.
    for (let i = 0; i < 3; i++) streams.push(await get(r, "/api/events", "127.0.0.3", true));
    assert.equal((await get(r, "/api/events", "127.0.0.4", true)).status, 503);
    streams.shift()!.close();
    await until(
      "a free stream slot",
      async () => {
        const s = await get(r, "/api/events", "127.0.0.4", true);
        if (s.status !== 200) return undefined;
        streams.push(s);
        return true;
      },
      10_000,
    );
  } finally {
    for (const s of streams) s.close();
    await r.close();
  }
});

test("an idle keep-alive connection is closed after STAX_KEEPALIVE_TIMEOUT_SECONDS", async () => {
  const r = await startTestRunner({ env: { ...CAPS, STAX_KEEPALIVE_TIMEOUT_SECONDS: "1" } });
  try {
    const port = Number(new URL(r.url).port);
    const s = connect({ host: "127.0.0.1", port });
    let text = "";
    s.setEncoding("utf8");
    s.on("data", (d: string) => (text += d));
    const closed = new Promise<number>((resolve) => s.once("close", () => resolve(performance.now())));
    s.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n");
    await until("the answer", () => (text.includes('"status":"ok"') ? true : undefined), 10_000);
    const answered = performance.now();
    const idle = (await closed) - answered;
    assert.match(text, /Keep-Alive: timeout=1/);
    assert.ok(idle >= 500 && idle < 4000, `closed after ${Math.round(idle)} ms idle`);
  } finally {
    await r.close();
  }
});
