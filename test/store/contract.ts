/**
 * The behaviour every `Store` implementation promises (src/store/store.ts), written once and run
 * by one test file per store (`sqlite.test.ts`, `postgres.test.ts`): the event log, run numbers,
 * runs, step logs, secrets, variables, artifacts, blobs (here) and the run queue
 * (`contract-queue.ts`). What only one store has (SQLite's migrations, PostgreSQL's NOTIFY and
 * concurrent migrations, how each reports a store it cannot open) stays in that store's file.
 */
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { makeEvent, type WorkflowRun } from "../../src/contract/index.js";
import type { Store, StoreOptions } from "../../src/store/index.js";
import { logContract } from "./contract-logs.js";
import { queueContract } from "./contract-queue.js";

/** How a test file opens its store: a new connection to workspace `ws` (the same data for the same `ws`). */
export type OpenStore = (ws: string, opts?: StoreOptions) => Promise<Store>;

export const log = (runId: string, i: number, stepNumber = 1) =>
  makeEvent("step.log", { runId, jobId: "j", stepNumber, line: `${runId} ${i}\n` });

export function run(id: string, number: number, over: Partial<WorkflowRun> = {}): WorkflowRun {
  return {
    id,
    number,
    workflow: "ci",
    workflowFile: ".github/workflows/ci.yml",
    status: "completed",
    conclusion: "success",
    jobs: [],
    createdAt: new Date().toISOString(),
    trigger: { event: "push", ref: "", sha: "" },
    inputs: {},
    ...over,
  };
}

/** Opens the stores `use` needs and closes them whatever it throws. */
export async function using<T>(stores: Promise<Store>[], use: (...s: Store[]) => Promise<T>): Promise<T> {
  const opened = await Promise.all(stores);
  try {
    return await use(...opened);
  } finally {
    await Promise.all(opened.map((s) => s.close()));
  }
}

async function read(body: Readable | undefined): Promise<Buffer | undefined> {
  if (!body) return undefined;
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Registers the contract's tests, each name prefixed with the store's. */
export function storeContract(name: string, open: OpenStore): void {
  test(`${name}: ids of batches appended by two connections are unique and increase in commit order; a follower's listeners get every batch once, in id order, and another workspace's never`, async () => {
    await using([open("order"), open("order"), open("order-other")], async (a, b, other) => {
      const seen: number[] = [];
      a.events.onCommit((batch) => seen.push(...batch.map((e) => e.id)));
      a.follow(5);
      const start = await a.events.highWater();
      for (let round = 0; round < 5; round++) {
        await a.events.append(Array.from({ length: 300 }, (_, i) => log("ra", round * 300 + i)));
        await b.events.append(Array.from({ length: 200 }, (_, i) => log("rb", round * 200 + i)));
        await other.events.append([log("elsewhere", round)]);
      }
      const mine = await b.events.readSince(start, { limit: 10_000 });
      assert.equal(mine.length, 2500, "only this workspace's events");
      assert.ok(
        mine.every((e, i) => i === 0 || e.id > mine[i - 1].id),
        "ids increase",
      );
      // PostgreSQL draws ids for every workspace from one counter: the high water may be another workspace's id.
      assert.ok((await b.events.highWater()) >= mine.at(-1)!.id);
      assert.deepEqual(
        (await a.logs.all("rb")).map((l) => l.line),
        Array.from({ length: 1000 }, (_, i) => `rb ${i}\n`),
      );
      await a.events.caughtUp();
      assert.deepEqual(
        seen,
        mine.map((e) => e.id),
        "A's listeners got B's batches too, between its own, in id order, once",
      );
      assert.ok(a.events.delivered() >= mine.at(-1)!.id);
    });
  });

  test(`${name}: the event log read page by page, with any page size, gives every event once and in id order`, async () => {
    await using([open("paging"), open("paging-other")], async (s, other) => {
      const start = await s.events.highWater();
      let n = 0;
      for (let batch = 0; batch < 6; batch++) {
        const events = [];
        // Lines of two steps (chunks of 1 to 2,500 lines), a step event between them now and then.
        for (let k = 0; k < 1 + ((batch * 7) % 4); k++) {
          for (let i = 0; i < [1, 3, 999, 1000, 1001, 2500][(batch + k) % 6]; i++)
            events.push(makeEvent("step.log", { runId: "p", jobId: "j", stepNumber: 1 + (k % 2), line: `${n++}\n` }));
          if ((batch + k) % 3 === 0)
            events.push(
              makeEvent("step.started", {
                runId: "p",
                jobId: "j",
                stepNumber: 3,
                step: { number: 3, name: `s${n}`, status: "in_progress" },
              }),
            );
        }
        await s.events.append(events);
        await other.events.append([
          makeEvent("step.log", { runId: "q", jobId: "j", stepNumber: 1, line: "elsewhere\n" }),
        ]);
      }
      const all = await s.events.readSince(start, { limit: 100_000 });
      assert.deepEqual(
        all.filter((e) => e.type === "step.log").map((e) => (e.type === "step.log" ? e.data.line : "")),
        Array.from({ length: n }, (_, i) => `${i}\n`),
      );
      assert.ok(all.some((e) => e.type === "step.started"));
      assert.equal(
        (await s.events.readSince(start, { limit: 100_000, noLogs: true })).filter((e) => e.type === "step.log").length,
        0,
        "noLogs leaves the lines out",
      );
      for (const limit of [13, 999, 1000, 1001, 4321]) {
        const ids: number[] = [];
        for (let since = start; ;) {
          const page = await s.events.readSince(since, { limit });
          assert.ok(page.length <= limit);
          ids.push(...page.map((e) => e.id));
          if (page.length < limit) break;
          since = page[page.length - 1].id;
        }
        assert.deepEqual(
          ids,
          all.map((e) => e.id),
          `pages of ${limit}`,
        );
      }
    });
  });

  test(`${name}: run numbers drawn by two connections at once are all different and without gaps; each workspace counts on its own`, async () => {
    await using([open("numbers"), open("numbers"), open("numbers-2")], async (a, b, c) => {
      const draw = (s: Store) => Promise.all(Array.from({ length: 200 }, () => s.runs.nextNumber()));
      const [x, y] = await Promise.all([draw(a), draw(b)]);
      assert.deepEqual(
        [...x, ...y].sort((p, q) => p - q),
        Array.from({ length: 400 }, (_, i) => i + 1),
      );
      assert.equal(await c.runs.nextNumber(), 1);
    });
  });

  test(`${name}: runs are saved, replaced, listed newest first by status, conclusion, workflow and page, found by id, prefix, number or last, unfinished and expired`, async () => {
    await using([open("runs")], async (s) => {
      const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
      await s.runs.save(run("abc111", 1, { createdAt: old }));
      await s.runs.save(run("abc222", 2, { conclusion: "failure" }));
      await s.runs.save(
        run("def333", 3, {
          status: "in_progress",
          conclusion: undefined,
          workflow: "deploy",
          workflowFile: ".github/workflows/deploy.yml",
        }),
      );
      assert.deepEqual(
        await s.runs.get("abc222"),
        run("abc222", 2, { conclusion: "failure", createdAt: (await s.runs.get("abc222"))!.createdAt }),
      );
      assert.equal(await s.runs.get("nope"), undefined);
      const numbers = async (q: Parameters<Store["runs"]["list"]>[0]) => (await s.runs.list(q)).map((r) => r.number);
      assert.deepEqual(await numbers({}), [3, 2, 1]);
      assert.deepEqual(await numbers({ status: "failure" }), [2], "a conclusion");
      assert.deepEqual(await numbers({ status: "in_progress" }), [3], "a status");
      assert.deepEqual(await numbers({ workflow: "deploy" }), [3]);
      assert.deepEqual(await numbers({ before: 3, limit: 1 }), [2]);
      assert.equal(((await s.runs.find("last")) as WorkflowRun).id, "def333");
      assert.equal(((await s.runs.find("2")) as WorkflowRun).id, "abc222");
      assert.equal(((await s.runs.find("abc1")) as WorkflowRun).id, "abc111");
      assert.equal(((await s.runs.find("def333")) as WorkflowRun).id, "def333");
      assert.equal(await s.runs.find("abc"), "ambiguous");
      assert.equal(await s.runs.find("fff"), undefined);
      assert.deepEqual(
        (await s.runs.unfinished()).map((r) => r.id),
        ["def333"],
      );
      assert.deepEqual(
        (await s.runs.expired(1, 0, new Date())).sort(),
        ["abc111"],
        "completed runs past the newest one",
      );
      assert.deepEqual(await s.runs.expired(0, 30, new Date()), ["abc111"], "completed runs older than 30 days");
      await s.runs.save(run("def333", 3, { workflow: "deploy" }));
      assert.equal((await s.runs.get("def333"))!.status, "completed", "save replaces");
      assert.deepEqual(await s.runs.unfinished(), []);
    });
  });

  test(`${name}: deleting a run removes its events, lines, artifacts' records, request and blobs, and nothing of another run`, async () => {
    await using([open("delete")], async (s) => {
      for (const id of ["gone1", "kept1"]) {
        await s.runs.save(run(id, await s.runs.nextNumber()));
        await s.events.append([log(id, 0), log(id, 1)]);
        await s.artifacts.add({
          id: `${id}-a`,
          runId: id,
          name: "site",
          size: 3,
          mimeType: "application/zip",
          createdAt: new Date().toISOString(),
          files: ["index.html"],
          isDirectory: true,
        });
        await s.queue.enqueue(id, { workflow: "ci.yml", event: "push" });
        await s.blobs.put(`artifacts/${id}/site/index.html`, Buffer.from("abc"));
        await s.blobs.put(`sources/${id}/source.bundle`, Buffer.from("bundle"));
      }
      await s.runs.delete("gone1");
      assert.equal(await s.runs.get("gone1"), undefined);
      assert.deepEqual(await s.events.readSince(0, { runId: "gone1" }), []);
      assert.deepEqual(await s.logs.all("gone1"), []);
      assert.deepEqual(await s.artifacts.list("gone1"), []);
      assert.equal(await s.queue.request("gone1"), undefined);
      assert.deepEqual([...(await s.blobs.list("artifacts/gone1/")), ...(await s.blobs.list("sources/gone1/"))], []);
      assert.ok(await s.runs.get("kept1"));
      assert.equal((await s.logs.all("kept1")).length, 2);
      assert.equal((await s.artifacts.list("kept1")).length, 1);
      assert.ok(await s.queue.request("kept1"));
      assert.equal((await s.blobs.list("sources/kept1/")).length, 1);
    });
  });

  test(`${name}: secrets round-trip their bytes, sorted by name; put and putMany replace; delete answers whether there was one`, async () => {
    await using([open("secrets")], async (s) => {
      const secret = (name: string, v: number) => ({
        name,
        iv: Buffer.from([v, 1, 2]),
        tag: Buffer.from([v, 3]),
        data: Buffer.from([v, 0, 255]),
        updatedAt: `2026-01-0${v}T00:00:00.000Z`,
      });
      await s.secrets.put(secret("B", 1));
      await s.secrets.putMany([secret("A", 2), secret("B", 3), secret("C", 4)]);
      assert.deepEqual(await s.secrets.get("B"), secret("B", 3));
      assert.deepEqual(
        (await s.secrets.list()).map((x) => x.name),
        ["A", "B", "C"],
      );
      assert.ok((await s.secrets.list())[0].data.equals(Buffer.from([2, 0, 255])));
      assert.equal(await s.secrets.get("Z"), undefined);
      assert.equal(await s.secrets.delete("A"), true);
      assert.equal(await s.secrets.delete("A"), false);
    });
  });

  test(`${name}: CTX-08 variables belong to one workspace each, sorted by name; put replaces, delete answers whether there was one`, async () => {
    await using([open("vars-a"), open("vars-b")], async (a, b) => {
      await a.vars.put("REGION", "eu");
      await a.vars.put("REGION", "us");
      await a.vars.put("A", "1");
      await b.vars.put("REGION", "ap");
      assert.deepEqual(
        (await a.vars.list()).map((v) => `${v.name}=${v.value}`),
        ["A=1", "REGION=us"],
      );
      assert.deepEqual(
        (await b.vars.list()).map((v) => `${v.name}=${v.value}`),
        ["REGION=ap"],
      );
      assert.equal(await a.vars.delete("REGION"), true);
      assert.equal(await a.vars.delete("REGION"), false);
      assert.deepEqual(
        (await b.vars.list()).map((v) => v.name),
        ["REGION"],
      );
    });
  });

  test(`${name}: artifacts' records round-trip per run; blobs stream in and out (several MiB), are sized, listed by prefix and deleted by prefix`, async () => {
    await using([open("blobs")], async (s) => {
      const record = {
        id: "a1",
        runId: "r1",
        name: "site",
        size: 12,
        mimeType: "application/zip",
        createdAt: "2026-01-01T00:00:00.000Z",
        files: ["index.html", "css/a.css"],
        isDirectory: true,
      };
      await s.artifacts.add(record);
      await s.artifacts.add({
        ...record,
        id: "a2",
        name: "log",
        createdAt: "2026-01-02T00:00:00.000Z",
        files: ["log.txt"],
        isDirectory: false,
        mimeType: "text/plain",
      });
      assert.deepEqual(await s.artifacts.list("r1"), [
        record,
        {
          ...record,
          id: "a2",
          name: "log",
          createdAt: "2026-01-02T00:00:00.000Z",
          files: ["log.txt"],
          isDirectory: false,
          mimeType: "text/plain",
        },
      ]);
      assert.deepEqual(await s.artifacts.list("r2"), []);
      const big = Buffer.alloc(3 * 1024 * 1024 + 7, 0x61);
      big[big.length - 1] = 0x7a;
      assert.equal(await s.blobs.put("artifacts/r1/site/index.html", big), big.length);
      assert.equal(
        await s.blobs.put("artifacts/r1/site/css/a.css", Readable.from([Buffer.from("body{}"), Buffer.from("\n")])),
        7,
      );
      assert.ok((await read(await s.blobs.get("artifacts/r1/site/index.html")))!.equals(big));
      assert.equal((await read(await s.blobs.get("artifacts/r1/site/css/a.css")))!.toString(), "body{}\n");
      assert.equal(await s.blobs.get("artifacts/r1/none"), undefined);
      assert.equal(await s.blobs.size("artifacts/r1/site/css/a.css"), 7);
      assert.equal(await s.blobs.size("artifacts/r1/none"), undefined);
      await s.blobs.put("artifacts/r1/site/css/a.css", Buffer.from("x"));
      assert.deepEqual(await s.blobs.list("artifacts/r1/"), [
        { key: "artifacts/r1/site/css/a.css", size: 1 },
        { key: "artifacts/r1/site/index.html", size: big.length },
      ]);
      await s.blobs.deletePrefix("artifacts/r1/site/css/");
      assert.deepEqual(
        (await s.blobs.list("artifacts/r1/")).map((b) => b.key),
        ["artifacts/r1/site/index.html"],
      );
    });
  });

  logContract(name, open);
  queueContract(name, open);
}
