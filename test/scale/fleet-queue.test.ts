/**
 * Issue 26: the leg queue under a wide run. A run hands out a whole matrix in one tick; each leg
 * was an INSERT and a NOTIFY of its own, so 640 legs woke 32 workers 640 times each and held the
 * coordinator's pool of 4 connections until its other queries timed out ("the job could not be
 * queued for a worker: timeout exceeded when trying to connect"). A real PostgreSQL, no worker:
 * the test reads the channel itself.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import type { LegSpec } from "../../src/contract/index.js";
import { PgFleet } from "../../src/store/index.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";

let server: TestPostgres;
let fleet: PgFleet;
let listener: pg.Client;
const heard: string[] = [];

before(async () => {
  server = await startPostgres();
  fleet = await PgFleet.connect(server.url);
  listener = new pg.Client({ connectionString: server.url });
  await listener.connect();
  listener.on("notification", (n) => heard.push(n.payload ?? ""));
  await listener.query("LISTEN stax_legs");
});
after(async () => {
  await listener?.end();
  await fleet?.close();
  await server?.stop();
});

/** Only what the queue reads of a leg: the rest of a spec travels as it is. */
const spec = (runId: string, jobId: string): LegSpec =>
  ({ runId, workspace: "ws-1", job: { id: jobId }, labels: ["linux"] }) as unknown as LegSpec;

/** Notifications are delivered after the commit: a round trip on the listening connection flushes them. */
async function settle(): Promise<void> {
  await listener.query("SELECT 1");
  await new Promise((r) => setTimeout(r, 200));
  await listener.query("SELECT 1");
}

test("legs queued in one tick are one statement and wake the workers once, not once per leg", async () => {
  heard.length = 0;
  const ids = Array.from({ length: 300 }, (_, i) => `leg-${i}`);
  const queued = await Promise.all(ids.map((id, i) => fleet.enqueue(id, spec("run-1", `j (${i})`))));
  assert.deepEqual(
    queued,
    ids.map(() => true),
    "every leg is new",
  );
  await settle();
  assert.deepEqual(heard, ["queued"], "one notification for the 300 legs");
  const db = new pg.Client({ connectionString: server.url });
  await db.connect();
  try {
    const { rows } = await db.query<{ n: string; labels: string[] }>(
      "SELECT count(*) AS n, min(labels) AS labels FROM stax_legs WHERE run_id = 'run-1' AND state = 'queued'",
    );
    assert.equal(Number(rows[0].n), 300);
    assert.deepEqual(rows[0].labels, ["linux"], "labels are stored as an array the claim matches with <@");
  } finally {
    await db.end();
  }
  const claimed = await fleet.claim("w1", ["linux", "x64"], 30_000);
  assert.equal(claimed?.spec.runId, "run-1", "a stored leg is claimed whole");
});

test("legs sent again (a run taken over) are found, not queued twice, and wake no worker", async () => {
  heard.length = 0;
  const again = await Promise.all(["leg-1", "leg-2", "leg-new"].map((id) => fleet.enqueue(id, spec("run-1", id))));
  assert.deepEqual(again, [false, false, true]);
  await settle();
  assert.deepEqual(heard, ["queued"], "only the new leg notifies");
  heard.length = 0;
  assert.deepEqual(await Promise.all(["leg-1", "leg-new"].map((id) => fleet.enqueue(id, spec("run-1", id)))), [
    false,
    false,
  ]);
  await settle();
  assert.deepEqual(heard, [], "nothing new, no notification");
});
