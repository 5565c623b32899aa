/** Repository variables in the PostgreSQL store: per workspace key, replaced by name, deleted once. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PgStore } from "../../src/store/pg/pg-store.js";
import { storedVars } from "../../src/store/index.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";

let pgServer: TestPostgres;
before(async () => {
  pgServer = await startPostgres();
});
after(async () => {
  await pgServer.stop();
});

test("CTX-08: variables in PostgreSQL belong to one workspace each; put replaces, delete answers whether there was one", async () => {
  const [a, b] = await Promise.all([PgStore.connect(pgServer.url, "vars-a"), PgStore.connect(pgServer.url, "vars-b")]);
  try {
    await a.vars.put("REGION", "eu");
    await a.vars.put("REGION", "us");
    await a.vars.put("A", "1");
    await b.vars.put("REGION", "ap");
    assert.deepEqual(await storedVars(a), { A: "1", REGION: "us" });
    assert.deepEqual((await a.vars.list()).map((v) => v.name), ["A", "REGION"]);
    assert.deepEqual(await storedVars(b), { REGION: "ap" });
    assert.equal(await a.vars.delete("REGION"), true);
    assert.equal(await a.vars.delete("REGION"), false);
    assert.deepEqual(await storedVars(b), { REGION: "ap" });
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
