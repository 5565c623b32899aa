/**
 * Issue 24, item 5: a replay writes one page per turn of the event loop, whatever its socket
 * does. The hub and its store run in this process; the client reads in a worker thread, as fast
 * as the hub writes, as a client on another core does (that is when a write completes at once).
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { makeEvent, type WorkflowRun } from "../../src/contract/index.js";
import { EventHub } from "../../src/server/hub.js";
import { SseSocket } from "../../src/server/sse-socket.js";
import { openStore } from "../../src/store/index.js";
import { replayClients } from "../helpers/replays.js";
import { tempDir } from "../helpers/temp.js";

const LINES = 60_000;
/** The hub's page (REPLAY_PAGE in src/server/hub.ts). */
const PAGE = 2000;

test("a replay whose socket takes every write at once still yields to the event loop between its pages (a drain comes on the next tick, not the next turn)", async () => {
  const store = openStore(tempDir("stax-turns-"));
  for (let i = 0; i < LINES; i += 10_000) {
    await store.events.append(
      Array.from({ length: 10_000 }, (_, k) =>
        makeEvent("step.log", { runId: "r", jobId: "j", stepNumber: 1, line: `line ${i + k + 1} ${"x".repeat(60)}\n` }),
      ),
    );
  }
  await store.events.append([makeEvent("run.completed", { runId: "r", run: { id: "r" } as WorkflowRun })]);
  await store.events.caughtUp();
  const hub = new EventHub(store.events, { maxQueueBytes: 1 << 20, pingIntervalMs: 60_000 });
  // Pages written since the last turn of the event loop: a write of a page is a large one.
  let pagesThisTurn = 0;
  let mostPagesInATurn = 0;
  const server = createServer((req, res) => {
    const write = res.write.bind(res) as (chunk: unknown) => boolean;
    res.write = ((chunk: unknown) => {
      if (typeof chunk !== "string" && (chunk as Buffer).length >= 32 * 1024)
        mostPagesInATurn = Math.max(mostPagesInATurn, ++pagesThisTurn);
      return write(chunk);
    }) as typeof res.write;
    hub.subscribe(SseSocket.respond(res)!, { since: 0, runId: "r" });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    // Each turn of the event loop runs one setImmediate of this chain, which starts a new count.
    let replaying = true;
    const turn = () => {
      pagesThisTurn = 0;
      if (replaying) setImmediate(turn);
    };
    setImmediate(turn);
    const [bytes] = await replayClients(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, "r", 1);
    replaying = false;
    assert.ok(bytes > LINES * 60, `the replay is complete (${bytes} bytes)`);
    console.log(`at most ${mostPagesInATurn} of ${LINES / PAGE} pages written in one turn of the event loop`);
    // One page per turn; two when the first page (written where the request is handled) and the
    // second share a turn. Before: a replay whose socket took every write at once wrote them all in one.
    assert.ok(mostPagesInATurn <= 2, `${mostPagesInATurn} pages were written in one turn of the event loop`);
  } finally {
    hub.close();
    server.close();
    await store.close();
  }
});
