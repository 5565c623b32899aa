/**
 * The dashboard's per-job log state (web/src/log/job-logs.ts): line numbers stay exact when the
 * stream starts again after a newer snapshot (a job page opened from the run page subscribes
 * afresh, since the snapshot's lastEventId). The runner is replaced by a stub of the two reads.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { StoredEvent } from "../../src/contract/index.js";
import { api } from "../../web/src/api.js";
import { JobLogs } from "../../web/src/log/job-logs.js";

(globalThis as { requestAnimationFrame?: (cb: () => void) => void }).requestAnimationFrame = (cb) => setTimeout(cb, 0);
const tick = () => new Promise((r) => setTimeout(r, 5));
const line = (id: number, text: string): StoredEvent =>
  ({
    id,
    type: "step.log",
    runId: "r",
    jobId: "j",
    stepNumber: 1,
    data: { runId: "r", jobId: "j", stepNumber: 1, line: `${text}\n` },
  }) as StoredEvent;

test("a stream started again after a newer snapshot: the lines between the old count and the new start are counted, later lines keep their numbers", async () => {
  // The store: line 1 committed as event 15, line 2 as 21.
  const stored = [
    { id: 15, text: "hello 1" },
    { id: 21, text: "hello 2" },
  ];
  const at = (id: number) => stored.filter((l) => l.id <= id);
  let now = 10;
  Object.assign(api, {
    stepGroups: async () => ({ markers: [], total: at(now).length, lastEventId: now }),
    stepLines: async (_r: string, _j: string, _s: number, from: number, limit: number) => ({
      lines: at(now)
        .slice(from, from + limit)
        .map((l, i) => ({ n: from + i + 1, text: `${l.text}\n` })),
      total: at(now).length,
      lastEventId: now,
    }),
  });
  const logs = new JobLogs("r", "j", () => {});
  logs.open(1);
  await tick();
  assert.equal(logs.step(1).total, 0, "counted before line 1 was stored");
  // Line 1 goes by on the old stream, which stops before delivering it; the new snapshot was read at 20.
  now = 20;
  logs.resync(20);
  await tick();
  logs.live(line(21, "hello 2"));
  await tick();
  assert.equal(logs.step(1).total, 2);
  assert.equal(logs.text(1, 2), "hello 2", "line 2 is line 2, not line 1");
  assert.equal(logs.text(1, 1), undefined, "line 1 is not in the page yet: it is fetched");
  await tick();
  assert.equal(logs.text(1, 1), "hello 1");
});

test("a streamed line has the time the page received it until its stored page is read, which gives the stored times (none for lines of an older store)", async () => {
  // The store: line 1 from an older store (no time), line 2 stored at t=2000 as event 16.
  const stored = [
    { id: 15, text: "old" },
    { id: 16, text: "new", t: 2000 },
  ];
  let now = 15;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  Object.assign(api, {
    stepGroups: async () => ({ markers: [], total: 1, lastEventId: 15 }),
    stepLines: async (_r: string, _j: string, _s: number, from: number, limit: number) => {
      await gate;
      const lines = stored.filter((l) => l.id <= now).slice(from, from + limit);
      return {
        lines: lines.map((l, i) => ({
          n: from + i + 1,
          text: `${l.text}\n`,
          ...(l.t !== undefined ? { t: l.t } : {}),
        })),
        total: lines.length,
        lastEventId: now,
      };
    },
  });
  const logs = new JobLogs("r", "j", () => {});
  logs.open(1);
  await tick();
  assert.equal(logs.text(1, 1), undefined, "the page is being fetched");
  const before = Date.now();
  logs.live(line(16, "new"));
  assert.equal(logs.text(1, 2), "new");
  const received = logs.time(1, 2);
  assert.ok(received !== undefined && received >= before && received <= Date.now(), `received at ${received}`);
  now = 16;
  release();
  await tick();
  assert.equal(logs.text(1, 1), "old");
  assert.equal(logs.time(1, 1), undefined, "a line of an older store has no time");
  assert.equal(logs.time(1, 2), 2000, "the stored time replaces the time of receipt");
});
