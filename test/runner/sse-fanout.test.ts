/**
 * The hub writes a batch's frames once framed as an HTTP chunk and shares that buffer among the
 * subscribers of one filter, straight to their sockets: every subscriber must still get exactly
 * its frames (the contract's bytes, docs/events.md), in a body every HTTP client reads.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { test } from "node:test";
import { makeEvent, type StoredEvent } from "../../src/contract/index.js";
import { frame } from "../../src/server/frames.js";
import { EventHub } from "../../src/server/hub.js";
import { SseSocket } from "../../src/server/sse-socket.js";
import { openStore, type Store } from "../../src/store/index.js";
import { openStream } from "../helpers/runner.js";
import { tempDir } from "../helpers/temp.js";

const HELLO = "retry: 2000\n\nevent: ping\ndata: {}\n\n";
const log = (runId: string, jobId: string, i: number) =>
  makeEvent("step.log", { runId, jobId, stepNumber: 1, line: `${runId}/${jobId} line ${i} "quoted" \u00e9\n` });

async function hubServer(
  maxQueueBytes = 1 << 20,
): Promise<{ store: Store; hub: EventHub; url: string; port: number; close(): Promise<void> }> {
  const store = openStore(tempDir("stax-fanout-"));
  const hub = new EventHub(store.events, { maxQueueBytes, pingIntervalMs: 60_000 });
  store.events.onCommit((b) => hub.publish(b));
  const server: Server = createServer((req, res) => {
    const q = new URL(req.url ?? "/", "http://hub").searchParams;
    hub.subscribe(SseSocket.respond(res)!, { runId: q.get("runId") ?? undefined, jobId: q.get("jobId") ?? undefined });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    store,
    hub,
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      hub.close();
      server.closeAllConnections();
      server.close();
      await store.close();
    },
  };
}

/** A raw HTTP request on its own socket: every byte of the response, head and body as sent. */
function rawStream(port: number, requestLine: string): { bytes(): string; close(): void } {
  let text = "";
  const socket = connect(port, "127.0.0.1", () => socket.write(`${requestLine}\r\nHost: 127.0.0.1\r\n\r\n`));
  socket.setEncoding("latin1");
  socket.on("data", (d: string) => (text += d));
  return { bytes: () => text, close: () => socket.destroy() };
}

/** The body of a chunked response read as latin1 (a character a byte), checking that every chunk is framed as HTTP/1.1 says (RFC 9112 §7.1); as UTF-8. */
function dechunk(body: string): string {
  let out = "";
  let at = 0;
  while (at < body.length) {
    const eol = body.indexOf("\r\n", at);
    assert.ok(eol > at, `a chunk size line at byte ${at}`);
    const size = parseInt(body.slice(at, eol), 16);
    assert.ok(size > 0, "no last chunk while the stream is open");
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size;
    assert.equal(body.slice(at, at + 2), "\r\n", "a chunk ends with CRLF");
    at += 2;
  }
  return Buffer.from(out, "latin1").toString("utf8");
}

const until = async (what: string, ok: () => boolean) => {
  for (const t = Date.now(); !ok(); await new Promise((r) => setTimeout(r, 10)))
    if (Date.now() - t > 15_000) throw new Error(`timed out waiting for ${what}`);
};

test("subscribers with different run and job filters each get exactly their frames, the contract's bytes, in chunks framed as HTTP/1.1 says", async () => {
  const h = await hubServer();
  try {
    const all = await openStream(h.url, "/");
    const runA = await openStream(h.url, "/?runId=a");
    const runB = await openStream(h.url, "/?runId=b");
    const jobA2 = await openStream(h.url, "/?runId=a&jobId=j2");
    const raw = rawStream(h.port, "GET /?runId=a HTTP/1.1");
    await until("the raw stream's first bytes", () => raw.bytes().includes("event: ping"));
    // Interleaved runs and jobs, in batches of every size the fan-out meets: one event, a few, many.
    let i = 0;
    for (const size of [1, 3, 500, 1, 2000, 7]) {
      const batch = Array.from({ length: size }, () => {
        i++;
        const run = i % 3 === 0 ? "b" : "a";
        if (i % 50 === 0) return makeEvent("run.started", { runId: run, run: { id: run } } as never);
        return log(run, i % 2 ? "j1" : "j2", i);
      });
      await h.store.events.append(batch);
    }
    const events: StoredEvent[] = await h.store.events.readSince(0, { limit: 100_000 });
    const body = (keep: (e: StoredEvent) => boolean) => HELLO + events.filter(keep).map(frame).join("");
    const last = events.at(-1)!.id;
    const lastOf = (run: string) => events.filter((e) => e.runId === run).at(-1)!.id;
    await all.waitFor((f) => f.id === last);
    await runA.waitFor((f) => f.id === lastOf("a"));
    await runB.waitFor((f) => f.id === lastOf("b"));
    await jobA2.waitFor((f) => f.id === lastOf("a"));
    assert.equal(
      all.text(),
      body(() => true),
    );
    assert.equal(
      runA.text(),
      body((e) => e.runId === "a"),
    );
    assert.equal(
      runB.text(),
      body((e) => e.runId === "b"),
    );
    // A job's stream: the run's run.* events and that job's step events.
    assert.equal(
      jobA2.text(),
      body((e) => e.runId === "a" && (!e.type.startsWith("step.") || (e.data as { jobId: string }).jobId === "j2")),
    );
    const expected = body((e) => e.runId === "a");
    await until("the raw stream's last frame", () => raw.bytes().includes(`id: ${lastOf("a")}\n`));
    const [head, chunkedBody] = raw.bytes().split(/\r\n\r\n(.*)/s);
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(head, /\r\nTransfer-Encoding: chunked(\r\n|$)/);
    assert.equal(dechunk(chunkedBody), expected);
    for (const s of [all, runA, runB, jobA2, raw]) s.close();
  } finally {
    await h.close();
  }
});

test("batches published within one turn reach several subscribers of each filter joined in one write, each subscriber exactly its frames", async () => {
  const h = await hubServer();
  try {
    const streams = await Promise.all(
      ["/", "/", "/?runId=a", "/?runId=a", "/?runId=b"].map((p) => openStream(h.url, p)),
    );
    // Published as a store's commits would be (ids in order), several in the same turn: the round
    // that follows finds them all queued.
    const events: StoredEvent[] = [];
    for (let b = 0; b < 6; b++) {
      const batch = Array.from({ length: 10 + b }, () => {
        const e = { ...log(events.length % 3 ? "a" : "b", "j", events.length), id: events.length + 1 };
        events.push(e);
        return e;
      });
      h.hub.publish(batch);
    }
    const body = (keep: (e: StoredEvent) => boolean) => HELLO + events.filter(keep).map(frame).join("");
    const lastOf = (run?: string) => events.filter((e) => !run || e.runId === run).at(-1)!.id;
    for (const [i, run] of [undefined, undefined, "a", "a", "b"].entries()) {
      await streams[i].waitFor((f) => f.id === lastOf(run));
      assert.equal(
        streams[i].text(),
        body((e) => !run || e.runId === run),
      );
      streams[i].close();
    }
  } finally {
    await h.close();
  }
});

test("an HTTP/1.0 subscriber gets the frames as they are, with no chunk framing (its body ends with the connection)", async () => {
  const h = await hubServer();
  try {
    const raw = rawStream(h.port, "GET /?runId=a HTTP/1.0");
    await until("the first bytes", () => raw.bytes().includes("event: ping"));
    await h.store.events.append(Array.from({ length: 300 }, (_, i) => log(i % 2 ? "a" : "b", "j", i)));
    const events = await h.store.events.readSince(0, { limit: 1000 });
    const expected =
      HELLO +
      events
        .filter((e) => e.runId === "a")
        .map(frame)
        .join("");
    const lastFrame = Buffer.from(frame(events.filter((e) => e.runId === "a").at(-1)!)).toString("latin1");
    await until("the last frame", () => raw.bytes().endsWith(lastFrame));
    const [head, body] = raw.bytes().split(/\r\n\r\n(.*)/s);
    assert.doesNotMatch(head, /Transfer-Encoding/i);
    assert.equal(Buffer.from(body, "latin1").toString("utf8"), expected);
    raw.close();
  } finally {
    await h.close();
  }
});

test("a subscriber that stops reading overflows while 50 others of the same filter keep up and get every frame", async () => {
  const h = await hubServer(256 * 1024);
  try {
    const stalled = connect(h.port, "127.0.0.1", () => stalled.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    let stalledText = "";
    stalled.setEncoding("latin1");
    stalled.on("data", (d: string) => (stalledText += d));
    await until("the stalled stream's first bytes", () => stalledText.includes("event: ping"));
    stalled.pause();
    const readers = await Promise.all(Array.from({ length: 50 }, () => openStream(h.url, "/")));
    // 40,000 lines of ~60 bytes: far more than the stalled socket's buffers and its 256 KiB queue.
    for (let b = 0; b < 40; b++) {
      await h.store.events.append(Array.from({ length: 1000 }, (_, i) => log("a", "j", b * 1000 + i)));
      await new Promise((r) => setImmediate(r));
    }
    const last = (await h.store.events.readSince(39_999, { limit: 10 })).at(-1)!.id;
    await Promise.all(readers.map((r) => r.waitFor((f) => f.id === last, 30_000)));
    for (const r of readers) {
      const ids = r.events().map((e) => e.id);
      assert.equal(ids.length, 40_000);
      assert.ok(ids.every((id, k) => id === k + 1));
      assert.doesNotMatch(r.text(), /event: overflow/);
    }
    stalled.resume();
    await new Promise((r) => stalled.on("end", r));
    assert.match(stalledText, /event: overflow\ndata: \{"lastEventId":\d+\}\n\n\r\n0\r\n\r\n$/);
    for (const r of readers) r.close();
  } finally {
    await h.close();
  }
});

test("a client gone before the route subscribes it (while a run is looked up) is not kept as a subscriber", async () => {
  const store = openStore(tempDir("stax-fanout-"));
  const hub = new EventHub(store.events, { maxQueueBytes: 1 << 20, pingIntervalMs: 60_000 });
  let requested!: () => void;
  const arrived = new Promise<void>((r) => (requested = r));
  let subscribed!: () => void;
  const done = new Promise<void>((r) => (subscribed = r));
  // The route subscribes only once the client's socket has closed, as an awaited lookup may.
  const server = createServer((req, res) => {
    requested();
    req.socket.once("close", () => {
      const out = SseSocket.respond(res);
      if (out) hub.subscribe(out, {});
      subscribed();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const socket = connect((server.address() as AddressInfo).port, "127.0.0.1", () =>
      socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
    );
    await arrived;
    socket.destroy();
    await done;
    assert.equal(hub.size, 0);
  } finally {
    hub.close();
    server.close();
    await store.close();
  }
});
