/**
 * Issue 26, item 5: an event stream is served on its socket, with no request and response of
 * Node's HTTP server kept for it, when its head arrives whole and plain; everything else goes to
 * the HTTP server with its bytes put back. Every socket here goes to 127.0.0.1.
 */
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { test } from "node:test";
import { parseHead } from "../../src/server/stream-front.js";
import { startTestRunner, type TestRunner } from "../helpers/runner.js";
import { until } from "../helpers/temp.js";

/** Waits until `holds()` is true. */
const waitFor = (what: string, holds: () => boolean) => until(what, () => holds() || undefined, 20_000);

const head = (path: string, fields: Record<string, string> = {}) =>
  `GET ${path} HTTP/1.1\r\n${Object.entries({ Host: "127.0.0.1", ...fields })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}\r\n`;

/** A connection that sends `parts` (a pause between two), keeping what it receives. */
function client(r: TestRunner, parts: string[], gapMs = 30): { socket: Socket; text(): string; closed: Promise<void> } {
  let received = "";
  const socket = connect(Number(new URL(r.url).port), "127.0.0.1");
  socket.setEncoding("latin1");
  socket.on("data", (d: string) => (received += d));
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  void (async () => {
    for (const [i, part] of parts.entries()) {
      if (i > 0) await new Promise((t) => setTimeout(t, gapMs));
      socket.write(part);
    }
  })();
  return { socket, text: () => received, closed };
}

/** The response head's fields, Date left out, in order. */
const fields = (text: string) =>
  text
    .slice(0, text.indexOf("\r\n\r\n"))
    .split("\r\n")
    .filter((l) => !l.startsWith("Date: "));

/**
 * The body of a chunked response as its chunks carry it, joined, after checking each chunk's
 * framing (its size line, its data, its CRLF). Two streams of the same frames may cut them into
 * chunks differently: a subscriber whose socket was busy gets the batches it queued in one write.
 */
function dechunk(text: string): string {
  let at = text.indexOf("\r\n\r\n") + 4;
  let body = "";
  for (;;) {
    const eol = text.indexOf("\r\n", at);
    if (eol < 0) break;
    const line = text.slice(at, eol);
    assert.match(line, /^[0-9a-f]+$/, `a chunk's size line at byte ${at}`);
    const end = eol + 2 + parseInt(line, 16);
    if (end + 2 > text.length) break;
    assert.equal(text.slice(end, end + 2), "\r\n", `the CRLF after the chunk at byte ${at}`);
    body += text.slice(eol + 2, end);
    at = end + 2;
  }
  assert.equal(at, text.length, "nothing left after the last whole chunk");
  return body;
}

/** Stops the runner, failing when its stop waits for more than 10 s (for a connection it never closes). */
async function assertStops(r: TestRunner): Promise<void> {
  const stopped = await Promise.race([
    r.close().then(() => true),
    new Promise<boolean>((t) => setTimeout(() => t(false), 10_000)),
  ]);
  assert.ok(stopped, "the runner stopped");
}

/** Requests Node's HTTP server parsed. */
function countRequests(r: TestRunner): { n: number } {
  const seen = { n: 0 };
  r.server.on("request", () => seen.n++);
  return seen;
}

test("parseHead takes exactly a plain GET /api/events head, and leaves every other request to the HTTP server", () => {
  const plain = parseHead(Buffer.from(head("/api/events?runId=3&since=0", { "Last-Event-ID": " 12 ", Origin: "x" })));
  assert.deepEqual(plain && { ...plain, headers: { ...plain.headers } }, {
    method: "GET",
    url: "/api/events?runId=3&since=0",
    headers: { host: "127.0.0.1", "last-event-id": "12", origin: "x" },
  });
  const left = {
    "another path": head("/api/eventsx"),
    "another route": head("/api/runs"),
    "HTTP/1.0": head("/api/events").replace("HTTP/1.1", "HTTP/1.0"),
    "no Host": "GET /api/events HTTP/1.1\r\n\r\n",
    "a head in pieces": head("/api/events").slice(0, -2),
    "bytes after the head": head("/api/events") + "GET / HTTP/1.1\r\n",
    "a body announced": head("/api/events", { "Content-Length": "0" }),
    chunked: head("/api/events", { "Transfer-Encoding": "chunked" }),
    "an upgrade": head("/api/events", { Upgrade: "websocket" }),
    "a field twice": head("/api/events").replace("\r\n\r\n", "\r\nhost: 127.0.0.1\r\n\r\n"),
    "a byte past ASCII": head("/api/events", { Origin: "caf\u00e9" }),
    "a folded line": head("/api/events").replace("\r\n\r\n", "\r\nX-A: 1\r\n  2\r\n\r\n"),
    "a bare LF": head("/api/events").replace("\r\n\r\n", "\r\nX-A: 1\n\r\n"),
    "too long": head("/api/events", { "X-Long": "a".repeat(9000) }),
  };
  const named = parseHead(
    Buffer.from(head("/api/events").replace("\r\n\r\n", "\r\n__proto__: 1\r\nconstructor: 2\r\n\r\n")),
  );
  assert.equal(named?.headers.__proto__, "1", "a field named as a prototype's property is a field");
  assert.equal(named?.headers.constructor, "2");
  for (const [why, text] of Object.entries(left)) assert.equal(parseHead(Buffer.from(text, "latin1")), undefined, why);
});

test("a stream whose head comes whole is served on its socket, with the head and frames of the HTTP server's own streams", async () => {
  const r = await startTestRunner();
  const requests = countRequests(r);
  try {
    const front = client(r, [head("/api/events")]);
    // The same request in two packets: the HTTP server's.
    const node = client(r, [head("/api/events").slice(0, 20), head("/api/events").slice(20)]);
    await waitFor(
      "both streams to open",
      () => front.text().includes("retry: 2000") && node.text().includes("retry: 2000"),
    );
    assert.equal(requests.n, 1, "only the request in pieces reached Node's HTTP server");
    assert.deepEqual(fields(front.text()), fields(node.text()));
    assert.equal(r.hub.size, 2);
    await r.runToEnd("request");
    await waitFor("run.completed on both, its chunk whole", () =>
      [front, node].every((c) => c.text().includes("event: run.completed") && c.text().endsWith("\n\n\r\n")),
    );
    assert.equal(dechunk(front.text()), dechunk(node.text()), "the same frames, in well-formed chunks");
    front.socket.destroy();
    node.socket.destroy();
    await waitFor("both subscribers dropped", () => r.hub.size === 0);
  } finally {
    await r.close();
  }
});

test("a stream request the runner refuses gets the HTTP server's answer, and its connection serves the next request", async () => {
  const r = await startTestRunner({ token: "s3cret" });
  try {
    const cases: [string, string, number, string][] = [
      ["no token", head("/api/events"), 401, "UNAUTHORIZED"],
      [
        "a foreign Host",
        head("/api/events", { Authorization: "Bearer s3cret" }).replace("127.0.0.1", "evil.example"),
        403,
        "FORBIDDEN_HOST",
      ],
      [
        "a foreign Origin",
        head("/api/events", { Authorization: "Bearer s3cret", Origin: "http://evil.example" }),
        403,
        "FORBIDDEN_ORIGIN",
      ],
      ["no such run", head("/api/events?runId=nope", { Authorization: "Bearer s3cret" }), 404, "RUN_NOT_FOUND"],
      ["jobId alone", head("/api/events?jobId=j", { Authorization: "Bearer s3cret" }), 400, "BAD_REQUEST"],
      [
        "a bad Last-Event-ID",
        head("/api/events", { Authorization: "Bearer s3cret", "Last-Event-ID": "x" }),
        400,
        "BAD_REQUEST",
      ],
    ];
    for (const [why, request, status, code] of cases) {
      const c = client(r, [request, head("/health", { Authorization: "Bearer s3cret" })], 100);
      await waitFor(`${why}: two answers`, () => (c.text().match(/HTTP\/1\.1 /g) ?? []).length === 2);
      assert.match(c.text(), new RegExp(`^HTTP/1\\.1 ${status} `), why);
      assert.ok(c.text().includes(`"code":"${code}"`), `${why}: ${c.text().slice(0, 300)}`);
      assert.match(c.text(), /HTTP\/1\.1 200 [\s\S]*"status":"ok"/, `${why}: the same connection answers /health`);
      c.socket.destroy();
    }
    // With the token the stream opens, on its socket.
    const ok = client(r, [head("/api/events?token=s3cret")]);
    await waitFor("the stream to open", () => ok.text().includes("retry: 2000"));
    assert.match(ok.text(), /^HTTP\/1\.1 200 OK\r\n/);
    ok.socket.destroy();
  } finally {
    await r.close();
  }
});

test("a stream over the client's cap is answered 503 with Retry-After; the gate counts streams served on their sockets", async () => {
  const r = await startTestRunner({ env: { STAX_MAX_STREAMS_PER_CLIENT: "2" } });
  const requests = countRequests(r);
  try {
    const open = [client(r, [head("/api/events")]), client(r, [head("/api/events")])];
    await waitFor("two streams", () => r.hub.size === 2);
    assert.equal(requests.n, 0);
    const third = client(r, [head("/api/events")]);
    await waitFor("the third answered", () => third.text().includes("\r\n\r\n{"));
    assert.match(third.text(), /^HTTP\/1\.1 503 [\s\S]*Retry-After: 5\r\n[\s\S]*"code":"TOO_MANY_CONNECTIONS"/);
    open[0].socket.destroy();
    await waitFor("a stream left", () => r.hub.size === 1);
    const fourth = client(r, [head("/api/events")]);
    await waitFor("the fourth served", () => fourth.text().includes("retry: 2000"));
    for (const c of [open[1], third, fourth]) c.socket.destroy();
  } finally {
    await r.close();
  }
});

test("connections that do not start with a plain stream head reach the API as before: a slow first byte, a body in pieces", async () => {
  const r = await startTestRunner();
  try {
    // Nothing for longer than the front waits, then a request.
    const idle = client(r, ["", head("/health")], 800);
    await waitFor("/health answered", () => idle.text().includes('"status":"ok"'));
    // Nothing, then a stream (a browser's connection made ahead of its EventSource): it stays
    // open however long it is idle (the front's timer is off once the HTTP server has it).
    const ahead = client(r, ["", head("/api/events")], 800);
    await waitFor("the stream opened", () => ahead.text().includes("retry: 2000"));
    await new Promise((t) => setTimeout(t, 1500));
    assert.equal(ahead.socket.destroyed, false, "the idle stream is still open");
    assert.equal(r.hub.size, 1);
    // A POST whose body follows its head in three packets.
    const body = JSON.stringify({ workflow: "request" });
    const post = client(
      r,
      [
        `POST /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
        body.slice(0, 5),
        body.slice(5),
      ],
      20,
    );
    await waitFor("the run created", () => post.text().includes("\r\n\r\n{"));
    assert.match(post.text(), /^HTTP\/1\.1 201 /);
    const id = /"id":"([^"]+)"/.exec(post.text())![1];
    await r.waitCompleted(id);
    for (const c of [idle, ahead, post]) c.socket.destroy();
  } finally {
    await r.close();
  }
});

test("a connection its client closes before sending anything is closed, and the runner stops while such a one, or one that sends nothing, is open", async () => {
  const r = await startTestRunner();
  let open = true;
  try {
    // One closed after the front handed it to the HTTP server, one before.
    const late = client(r, []);
    await new Promise((t) => setTimeout(t, 700));
    late.socket.end();
    await late.closed;
    const early = client(r, []);
    // And one that sends nothing and stays, as a browser's connection made ahead of its request.
    const idle = client(r, []);
    await waitFor(
      "the connections accepted",
      () => early.socket.readyState === "open" && idle.socket.readyState === "open",
    );
    early.socket.end();
    await new Promise((t) => setTimeout(t, 100));
    // The runner's stop waits for every connection it holds: one never closed held it for good.
    open = false;
    await assertStops(r);
    await Promise.all([early.closed, idle.closed]);
  } finally {
    if (open) await r.close();
  }
});

test("the runner stops while the client of a stream served on its socket no longer reads, told to resume elsewhere or not", async () => {
  const r = await startTestRunner({ maxQueueBytes: 256 * 1024 });
  let open = true;
  try {
    // One stream of everything (it overflows), one of a run that is over (it stays, with nothing to send).
    const over = await r.runToEnd("request");
    const stalled = [client(r, [head("/api/events")]), client(r, [head(`/api/events?runId=${over.id}`)])];
    await waitFor("two streams", () => r.hub.size === 2);
    for (const c of stalled) c.socket.pause();
    // Some 5 MB of frames: more than the sockets' buffers and the queue of 256 KiB the first may hold.
    const run = await r.runToEnd("chatty", { inputs: { lines: "50000" } });
    assert.equal(run.conclusion, "success");
    await waitFor("the unfiltered stream told overflow", () => r.hub.size === 1);
    open = false;
    await assertStops(r);
  } finally {
    if (open) await r.close();
  }
});

test("a stream served on its socket closes when its client closes its side or talks, and ends with the runner", async () => {
  const r = await startTestRunner();
  let open = true;
  try {
    const halfClosed = client(r, [head("/api/events")]);
    const talker = client(r, [head("/api/events"), "hello"], 200);
    const kept = client(r, [head("/api/events")]);
    await waitFor("three streams", () => r.hub.size === 3);
    halfClosed.socket.end();
    await halfClosed.closed;
    await talker.closed;
    await waitFor("one subscriber left", () => r.hub.size === 1);
    open = false;
    await r.close();
    await kept.closed;
    assert.ok(kept.text().endsWith("0\r\n\r\n"), "the chunked body's last chunk before the close");
  } finally {
    if (open) await r.close();
  }
});
