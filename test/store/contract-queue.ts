/**
 * The run queue half of the store contract: durable requests claimed oldest first with a lease, a
 * lease that lapses on the store's clock (injected here, so expiry needs no waiting), claim by id,
 * the cancel flag any connection sees, completion, and the requests that carry sealed secrets.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { StoredRunRequest } from "../../src/store/index.js";
import type { OpenStore } from "./contract.js";
import { run, using } from "./contract.js";

export function queueContract(name: string, open: OpenStore): void {
  test(`${name}: run requests are durable and claimed oldest first with a lease: a live lease is not claimed, a lapsed one is (on the store's clock), and its old owner's heartbeat says it lost the run`, async () => {
    let now = Date.now();
    const clock = () => now;
    const request: StoredRunRequest = {
      workflow: "ci.yml",
      event: "push",
      inputs: { x: "1" },
      env: { E: "2" },
      actions: { "o/r@v1": "/somewhere" },
    };
    await using([open("queue", { clock })], async (first) => {
      await first.queue.enqueue("r1", request);
      now += 1;
      await first.queue.enqueue("r2", { workflow: "other.yml", event: "push" });
    });
    await using([open("queue", { clock }), open("queue", { clock })], async (a, b) => {
      assert.deepEqual(await b.queue.request("r1"), request, "the request survived closing the store");
      assert.equal((await a.queue.claim("A", 1000))?.runId, "r1", "the oldest first");
      assert.deepEqual((await b.queue.claim("B", 1000))?.request.workflow, "other.yml");
      assert.equal(await b.queue.claim("C", 1000), undefined, "both leases are live");
      assert.equal(await b.queue.owner("r1", new Date(now)), "A");
      now += 900;
      assert.equal(await a.queue.heartbeat("r1", "A", 1000), true);
      now += 1000;
      assert.equal(await b.queue.owner("r1", new Date(now)), "A", "the heartbeat extended the lease");
      assert.equal(await b.queue.claim("C", 1000, "r1"), undefined);
      now += 1;
      assert.equal(await b.queue.owner("r1", new Date(now)), undefined, "lapsed");
      assert.equal((await b.queue.claim("C", 1000, "r1"))?.runId, "r1", "a lapsed lease is taken over");
      assert.equal(await a.queue.heartbeat("r1", "A", 1000), false, "A knows it lost the run");
      assert.equal((await b.queue.claim("C", 1000, "r1"))?.runId, "r1", "its owner may claim it again");
      assert.equal(await a.queue.claim("D", 1000, "r1"), undefined);

      await a.queue.update("r1", {
        ...request,
        coordination: {
          workflowPath: "ci.yml",
          source: { key: "sources/r1/source.bundle", commit: "abc" },
          git: {},
          vars: { V: "1" },
        },
      });
      assert.equal((await b.queue.request("r1"))?.coordination?.vars.V, "1", "update replaces the stored request");

      assert.equal(await b.queue.cancelRequested("r1"), false);
      await a.queue.requestCancel("r1");
      assert.equal(await b.queue.cancelRequested("r1"), true, "a flag any connection sees");
      assert.deepEqual(await b.queue.cancelledFor("C"), ["r1"]);
      assert.deepEqual(await b.queue.cancelledFor("B"), []);

      await b.queue.complete("r1");
      assert.equal(await a.queue.owner("r1", new Date(now)), undefined, "its lease ended");
      assert.equal(await a.queue.claim("C", 1000, "r1"), undefined, "a completed request is not claimed again");
      assert.deepEqual(await b.queue.cancelledFor("C"), []);
      assert.ok(await a.queue.request("r1"), "its request stays for re-runs");
      assert.equal((await a.queue.claim("E", 1000))?.runId, "r2", "B never heartbeat r2: its lease lapsed too");
      assert.equal(await a.queue.claim("F", 1000), undefined, "and E's is live");

      await a.queue.enqueue("r3", {
        workflow: "ci.yml",
        event: "push",
        sealedSecrets: { iv: "i", tag: "t", data: "d" },
      });
      assert.deepEqual(await b.queue.sealedRequests(), ["r3"]);

      await a.runs.save(run("r1", 1));
      await a.runs.delete("r1");
      assert.equal(await b.queue.request("r1"), undefined, "deleting the run deletes its request");
    });
  });

  test(`${name}: run requests belong to one workspace: another workspace's connection neither claims nor sees them`, async () => {
    await using([open("queue-own"), open("queue-own-other")], async (a, other) => {
      await a.queue.enqueue("mine", { workflow: "ci.yml", event: "push" });
      assert.equal(await other.queue.claim("X", 1000), undefined);
      assert.equal(await other.queue.request("mine"), undefined);
      assert.equal((await a.queue.claim("A", 1000))?.runId, "mine");
    });
  });
}
