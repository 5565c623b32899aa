/**
 * The PostgreSQL store on a real server (test/helpers/postgres.ts) held to the store contract
 * (`contract.ts`), and what only it has: concurrent migrations of an empty database, a password
 * never shown, and the fleet's leg leases on the database's clock (moved forward here, not waited on).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { StaxError, type LegSpec } from "../../src/contract/index.js";
import { PgFleet } from "../../src/store/index.js";
import { PgStore } from "../../src/store/pg/pg-store.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { log, storeContract } from "./contract.js";

let pgServer: TestPostgres;
before(async () => {
  pgServer = await startPostgres();
});
after(async () => {
  await pgServer?.stop();
});

// First, while the database is empty: the contract's stores below migrate it otherwise.
test("PostgreSQL: two processes migrating one empty database at once both open it", async () => {
  const [a, b] = await Promise.all([PgStore.connect(pgServer.url, "ws-a"), PgStore.connect(pgServer.url, "ws-a")]);
  try {
    const [e] = await a.events.append([log("m", 0)]);
    assert.deepEqual(
      (await b.events.readSince(0)).map((x) => x.id),
      [e.id],
    );
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

storeContract("PostgreSQL", (ws, opts) => PgStore.connect(pgServer.url, ws, opts));

test("PostgreSQL: a database that does not answer is one STORE_UNAVAILABLE error with the password replaced by ***", async () => {
  const url = pgServer.url.replace(`:${pgServer.port}/`, ":1/");
  await assert.rejects(PgStore.connect(url, "x"), (err: unknown) => {
    assert.ok(err instanceof StaxError && err.code === "STORE_UNAVAILABLE");
    assert.ok(!err.message.includes("not-the-real-password"), err.message);
    assert.match(err.message, /postgres:\/\/stax:\*\*\*@127\.0\.0\.1:1\/postgres/);
    return true;
  });
});

test("the coordinator's check finds a leg lost and a silent worker lost once the database's clock passes their lease, and not before (the clock moved, not waited on)", async () => {
  let ahead = 0;
  const worker = await PgFleet.connect(pgServer.url);
  const coordinator = await PgFleet.connect(pgServer.url, { ahead: () => ahead });
  try {
    const spec = {
      runId: "lease-run",
      workspace: "leases",
      job: { id: "build" },
      labels: ["linux"],
    } as unknown as LegSpec;
    assert.equal(await coordinator.enqueue("leg-1", spec), true);
    await worker.registerWorker("w1", ["linux"], 1);
    assert.equal((await worker.claim("w1", ["linux"], 60_000))?.id, "leg-1");
    ahead = 59_000;
    assert.deepEqual(await coordinator.lapse(["leg-1"]), [], "the lease is live for a minute");
    assert.equal((await coordinator.workers(60_000)).find((w) => w.name === "w1")?.lost, false);
    ahead = 61_000;
    assert.deepEqual(
      await coordinator.lapse(["leg-1"]),
      [{ id: "leg-1", worker: "w1" }],
      "past its lease, the leg is lost",
    );
    assert.equal((await coordinator.state("leg-1"))?.state, "lost");
    assert.equal(
      (await coordinator.workers(60_000)).find((w) => w.name === "w1")?.lost,
      true,
      "a worker silent past the lease is shown lost",
    );
  } finally {
    await Promise.all([worker.close(), coordinator.close()]);
  }
});
