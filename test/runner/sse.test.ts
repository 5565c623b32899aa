import assert from "node:assert/strict";
import { test } from "node:test";
import { request } from "node:http";
import { openStream, startTestRunner } from "../helpers/runner.js";
import type { WorkflowRun } from "../../src/contract/index.js";

test("SSE: the seed's headers, ping on connect, id on every event frame, exact payload shapes of a two-job run with a matrix", async () => {
  const r = await startTestRunner();
  try {
    const s = await openStream(r.url, "/api/events");
    assert.equal(s.headers["content-type"], "text/event-stream");
    assert.equal(s.headers["cache-control"], "no-cache");
    assert.equal(s.headers["connection"], "keep-alive");
    await s.waitFor((f) => f.event === "ping");
    assert.ok(s.text().startsWith("retry: 2000\n\nevent: ping\ndata: {}\n\n"), s.text().slice(0, 80));
    const run = await r.runToEnd("two-jobs");
    await s.waitFor((f) => f.event === "run.completed");
    const frames = s.frames().filter((f) => f.event !== "ping");
    for (const f of frames) assert.ok(Number.isInteger(f.id), `frame ${f.event} has an id`);
    assert.deepEqual(frames.map((f) => f.id), [...frames.map((f) => f.id!)].sort((a, b) => a - b), "ids are monotonic");
    const text = s.text();
    assert.match(text, /\nid: \d+\nevent: step\.log\ndata: \{"runId":"[0-9a-f]+","jobId":"build","stepNumber":1,"line":"hello\\n"\}\n\n/);
    const seq = frames.map((f) => `${f.event}${(f.data as { jobId?: string }).jobId ? ` ${(f.data as { jobId: string }).jobId}` : ""}`);
    assert.equal(seq[0], "run.started");
    assert.equal(seq.at(-1), "run.completed");
    assert.deepEqual(seq.filter((x) => x.startsWith("job.")), ["job.started build", "job.completed build", ...[] as string[]].concat(seq.filter((x) => x.startsWith("job.") && x.includes("test"))));
    const byType = (t: string) => frames.filter((f) => f.event === t).map((f) => f.data as Record<string, unknown>);
    const started = byType("run.started")[0];
    assert.deepEqual(Object.keys(started).sort(), ["run", "runId"]);
    assert.equal((started.run as WorkflowRun).status, "in_progress");
    assert.deepEqual((started.run as WorkflowRun).jobs.map((j) => j.id), ["build", "test"], "run.started lists the planned jobs");
    for (const d of byType("job.started")) assert.deepEqual(Object.keys(d).sort(), ["job", "jobId", "runId"]);
    for (const d of byType("step.started")) assert.deepEqual(Object.keys(d).sort(), ["runId", "step", "stepNumber", "jobId"].sort());
    for (const d of byType("step.log")) {
      assert.deepEqual(Object.keys(d), ["runId", "jobId", "stepNumber", "line"]);
      assert.ok((d.line as string).endsWith("\n"));
    }
    assert.deepEqual(byType("job.completed").map((d) => [(d.job as { id: string }).id, (d.job as { conclusion: string }).conclusion]).sort(), [["build", "success"], ["test (1)", "success"], ["test (2)", "success"]]);
    const done = byType("run.completed")[0].run as WorkflowRun;
    assert.equal(done.status, "completed");
    assert.equal(done.conclusion, "success");
    assert.equal(run.conclusion, "success");
    s.close();
  } finally {
    await r.close();
  }
});

test("SSE: ping every interval (configurable)", async () => {
  const r = await startTestRunner({ env: { STAX_PING_INTERVAL_MS: "50" } });
  try {
    const s = await openStream(r.url, "/api/events");
    await s.waitFor(() => s.frames().filter((f) => f.event === "ping").length >= 3, 3000);
    s.close();
  } finally {
    await r.close();
  }
});

test("SSE: resuming with Last-Event-ID after a dropped connection loses and duplicates nothing", async () => {
  const r = await startTestRunner();
  try {
    const first = await openStream(r.url, "/api/events");
    await first.waitFor((f) => f.event === "ping");
    const created = await r.json<WorkflowRun>("POST", "/api/runs", { workflow: "chatty", inputs: { lines: "3000", every: "100", pause: "20" }, sandbox: { strategy: "none" } });
    await first.waitFor((f) => f.event === "step.log" && /line 500\n/.test((f.data as { line: string }).line));
    first.close();
    const got = first.events();
    const last = got.at(-1)!.id;
    const second = await openStream(r.url, "/api/events", { "Last-Event-ID": String(last) });
    await second.waitFor((f) => f.event === "run.completed");
    const all = [...got, ...second.events()];
    const ids = all.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, "no event twice");
    const replay = await openStream(r.url, `/api/events?runId=${created.body.id}&since=0`);
    await replay.waitFor((f) => f.event === "run.completed");
    assert.deepEqual(all.filter((e) => e.runId === created.body.id).map((e) => e.id), replay.events().map((e) => e.id), "the same events as a full replay");
    const lines = all.filter((e) => e.type === "step.log").map((e) => (e.data as { line: string }).line);
    assert.equal(lines.length, 3000);
    assert.equal(lines[2999], "line 3000\n");
    second.close();
    replay.close();
  } finally {
    await r.close();
  }
});

test("SSE: a subscriber that stops reading delays nobody, overflows, and is told where it stopped", async () => {
  const r = await startTestRunner({ maxQueueBytes: 1024 * 1024 });
  try {
    let overflowed = "";
    const stalled = await new Promise<import("node:http").IncomingMessage>((resolve) => {
      const req = request(`${r.url}/api/events`, (res) => resolve(res));
      req.end();
    });
    stalled.pause();
    stalled.socket.pause();
    const fast = await openStream(r.url, "/api/events");
    const t0 = Date.now();
    const run = await r.runToEnd("chatty", { inputs: { lines: "150000", every: "500", pause: "5" } });
    await fast.waitFor((f) => f.event === "run.completed", 30_000);
    const elapsed = Date.now() - t0;
    assert.equal(run.conclusion, "success");
    assert.equal(fast.events().filter((e) => e.type === "step.log").length, 150000);
    stalled.setEncoding("utf8");
    stalled.on("data", (d: string) => (overflowed += d));
    stalled.resume();
    stalled.socket.resume();
    await new Promise((res) => stalled.on("end", res));
    assert.match(overflowed, /event: overflow\ndata: \{"lastEventId":\d+\}\n\n$/);
    assert.ok(elapsed < 30_000);
    fast.close();
  } finally {
    await r.close();
  }
});

test("SSE: ?runId filters to one run", async () => {
  const r = await startTestRunner();
  try {
    const a = await r.runToEnd("two-jobs");
    await r.runToEnd("two-jobs");
    const s = await openStream(r.url, `/api/events?runId=${a.id}&since=0`);
    await s.waitFor((f) => f.event === "run.completed");
    assert.ok(s.events().every((e) => e.runId === a.id));
    s.close();
  } finally {
    await r.close();
  }
});
