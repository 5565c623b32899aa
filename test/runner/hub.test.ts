/**
 * The SSE hub over an event log whose reads are asynchronous: batches committed while a
 * subscriber replays are queued for it and deduplicated by id, so none is lost or sent twice.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { makeEvent } from "../../src/contract/index.js";
import { EventHub } from "../../src/server/hub.js";
import { SseSocket } from "../../src/server/sse-socket.js";
import { openStore, type EventLog } from "../../src/store/index.js";
import { openStream } from "../helpers/runner.js";
import { tempDir } from "../helpers/temp.js";

const line = (i: number) => makeEvent("step.log", { runId: "r", jobId: "j", stepNumber: 1, line: `line ${i}\n` });

test("events committed while a subscriber's replay read is in flight reach it after the replay: none lost, none twice", async () => {
  const store = openStore(tempDir("stax-hub-"));
  await store.events.append(Array.from({ length: 10 }, (_, i) => line(i + 1)));
  let reads = 0;
  // The first read answers what was committed when it began, but only once the test opens the
  // gate (as a slow networked database may): the test commits more while it is in flight.
  let started!: () => void;
  const firstReadStarted = new Promise<void>((r) => (started = r));
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slow: EventLog = {
    append: (e) => store.events.append(e),
    highWater: () => store.events.highWater(),
    delivered: () => store.events.delivered(),
    onCommit: (l) => store.events.onCommit(l),
    caughtUp: () => store.events.caughtUp(),
    readSince: async (since, q) => {
      const first = ++reads === 1;
      const page = await store.events.readSince(since, q);
      if (first) {
        started();
        await gate;
      }
      return page;
    },
  };
  const hub = new EventHub(slow, { maxQueueBytes: 1 << 20, pingIntervalMs: 60_000 });
  store.events.onCommit((b) => hub.publish(b));
  const server = createServer((req, res) => hub.subscribe(SseSocket.respond(res)!, { since: 0 }));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const stream = await openStream(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, "/");
    await firstReadStarted;
    assert.equal(reads, 1, "the replay's first read is in flight");
    await store.events.append([line(11), line(12)]);
    await store.events.caughtUp();
    release();
    await stream.waitFor((f) => f.id === 12, 5000);
    await store.events.append([line(13)]);
    // The stream is in id order: a duplicate of any earlier event would come before 13.
    await stream.waitFor((f) => f.id === 13, 5000);
    assert.deepEqual(
      stream.events().map((e) => e.id),
      Array.from({ length: 13 }, (_, i) => i + 1),
    );
    stream.close();
  } finally {
    hub.close();
    server.close();
    await store.close();
  }
});

test("a subscriber resuming within the newest batches is served from memory, from just after its Last-Event-ID; an older resume reads the store", async () => {
  const store = openStore(tempDir("stax-hub-"));
  let reads = 0;
  const counted: EventLog = {
    ...store.events,
    delivered: () => store.events.delivered(),
    readSince: (since, q) => (reads++, store.events.readSince(since, q)),
  };
  const hub = new EventHub(counted, { maxQueueBytes: 128 * 1024, pingIntervalMs: 60_000 });
  store.events.onCommit((b) => hub.publish(b));
  const server = createServer((req, res) => {
    const since = req.headers["last-event-id"];
    hub.subscribe(SseSocket.respond(res)!, since === undefined ? {} : { since: Number(since) });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const live = await openStream(url, "/");
    await live.waitFor((f) => f.event === "ping");
    for (let b = 0; b < 100; b++) {
      await store.events.append(Array.from({ length: 100 }, (_, i) => line(b * 100 + i + 1)));
      // The live subscriber reads each batch before the next is committed, as a reader keeping up
      // does (a subscriber 128 KiB behind is dropped, which is not what this test is about).
      await live.waitFor((f) => f.id === (b + 1) * 100);
    }
    await live.waitFor((f) => f.id === 10_000);
    // Id 9950 is in the middle of the newest batch: the frames after it, none before.
    const resumed = await openStream(url, "/", { "Last-Event-ID": "9950" });
    await resumed.waitFor((f) => f.id === 10_000);
    await store.events.append([line(10_001)]);
    await resumed.waitFor((f) => f.id === 10_001);
    assert.deepEqual(
      resumed.events().map((e) => e.id),
      Array.from({ length: 51 }, (_, i) => 9951 + i),
    );
    assert.equal(reads, 0, "the store was not read");
    // 10,000 lines are more than the 256 KiB kept: a resume from the start reads the store.
    const old = await openStream(url, "/", { "Last-Event-ID": "0" });
    await old.waitFor((f) => f.id === 10_001);
    assert.deepEqual(
      old.events().map((e) => e.id),
      Array.from({ length: 10_001 }, (_, i) => i + 1),
    );
    assert.ok(reads > 0);
    for (const s of [live, resumed, old]) s.close();
  } finally {
    hub.close();
    server.close();
    await store.close();
  }
});
