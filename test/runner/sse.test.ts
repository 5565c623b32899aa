import assert from "node:assert/strict";
import { test } from "node:test";
import { request } from "node:http";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openStream, startTestRunner } from "../helpers/runner.js";
import type { WorkflowRun } from "../../src/contract/index.js";
import { tempDir } from "../helpers/temp.js";

test("SSE: a run with two jobs, one a matrix, streams the contract's headers, frames and payloads, each frame with an id", async () => {
  const r = await startTestRunner();
  try {
    const s = await openStream(r.url, "/api/events");
    assert.equal(s.headers["content-type"], "text/event-stream");
    assert.equal(s.headers["cache-control"], "no-cache");
    assert.equal(s.headers["connection"], "keep-alive");
    await s.waitFor((f) => f.event === "ping");
    assert.ok(s.text().startsWith("retry: 2000\n\nevent: ping\ndata: {}\n\n"), "retry once, then a ping on connect");
    const run = await r.runToEnd("two-jobs");
    await s.waitFor((f) => f.event === "run.completed");
    const text = s.text();
    // Every frame is exactly `id: <n>\nevent: <type>\ndata: <json>\n\n` (pings carry no id).
    const blocks = text.split("\n\n").slice(2, -1);
    for (const b of blocks) assert.match(b, /^id: \d+\nevent: (run|job|step)\.(started|completed|log)\ndata: \{.*\}$/);
    assert.match(
      text,
      new RegExp(
        `\nid: \\d+\nevent: step\\.log\ndata: \\{"runId":"${run.id}","jobId":"build","stepNumber":1,"line":"hello\\\\n"\\}\n\n`,
      ),
    );
    const frames = s.frames().filter((f) => f.event !== "ping");
    const ids = frames.map((f) => f.id!);
    assert.deepEqual(
      ids,
      ids.map((_, i) => ids[0] + i),
      "ids are consecutive",
    );
    type D = {
      runId: string;
      jobId?: string;
      stepNumber?: number;
      line?: string;
      run?: WorkflowRun;
      job?: { id: string; conclusion?: string };
      step?: { number: number; status: string };
    };
    const data = frames.map((f) => f.data as D);
    const keys: Record<string, string[]> = {
      "run.started": ["runId", "run"],
      "run.completed": ["runId", "run"],
      "job.started": ["runId", "jobId", "job"],
      "job.completed": ["runId", "jobId", "job"],
      "step.started": ["runId", "jobId", "stepNumber", "step"],
      "step.completed": ["runId", "jobId", "stepNumber", "step"],
      "step.log": ["runId", "jobId", "stepNumber", "line"],
    };
    frames.forEach((f, i) => {
      assert.deepEqual(Object.keys(data[i]), keys[f.event], `${f.event} payload keys in the contract's order`);
      assert.equal(data[i].runId, run.id);
    });
    assert.equal(frames[0].event, "run.started");
    assert.equal(data[0].run!.status, "in_progress");
    assert.equal(frames.at(-1)!.event, "run.completed");
    assert.equal(data.at(-1)!.run!.status, "completed");
    assert.equal(data.at(-1)!.run!.conclusion, "success");
    // Per job: started, then each step started → its lines → completed, then completed.
    const perJob = new Map<string, string[]>();
    frames.forEach((f, i) => {
      const jobId = data[i].jobId;
      if (jobId)
        perJob.set(jobId, [
          ...(perJob.get(jobId) ?? []),
          `${f.event}${data[i].stepNumber ? ` ${data[i].stepNumber}` : ""}${data[i].line ? ` ${data[i].line.trim().replace(/ \(\w+\)$/, " (…)")}` : ""}`,
        ]);
    });
    assert.deepEqual(Object.fromEntries(perJob), {
      build: [
        "job.started",
        "step.started 1",
        // A run from the API runs in a sandbox (a worktree here), said once, in the first step's log.
        "step.log 1 stax: running in a git worktree of HEAD (…)",
        "step.log 1 hello",
        "step.completed 1",
        "step.started 2",
        "step.log 2 world",
        "step.completed 2",
        "job.completed",
      ],
      "test (1)": ["job.started", "step.started 1", "step.log 1 leg 1", "step.completed 1", "job.completed"],
      "test (2)": ["job.started", "step.started 1", "step.log 1 leg 2", "step.completed 1", "job.completed"],
    });
    const jobDone = frames.findIndex((f, i) => f.event === "job.completed" && data[i].jobId === "build");
    assert.ok(
      frames.findIndex((f) => f.event === "job.started" && (f.data as D).jobId !== "build") > jobDone,
      "the matrix legs start after the job they need",
    );
    for (const [i, f] of frames.entries()) if (f.event.startsWith("job.")) assert.equal(data[i].job!.id, data[i].jobId);
    for (const [i, f] of frames.entries())
      if (f.event.startsWith("step.") && f.event !== "step.log") assert.equal(data[i].step!.number, data[i].stepNumber);
    assert.deepEqual(
      frames
        .filter((f) => f.event === "job.completed")
        .map((f) => [(f.data as D).jobId, (f.data as D).job!.conclusion])
        .sort(),
      [
        ["build", "success"],
        ["test (1)", "success"],
        ["test (2)", "success"],
      ],
    );
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
    const created = await r.json<WorkflowRun>("POST", "/api/runs", {
      workflow: "chatty",
      inputs: { lines: "3000", every: "100", pause: "20" },
    });
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
    assert.deepEqual(
      all.filter((e) => e.runId === created.body.id).map((e) => e.id),
      replay.events().map((e) => e.id),
      "the same events as a full replay",
    );
    const lines = all
      .filter((e) => e.type === "step.log")
      .map((e) => (e.data as { line: string }).line)
      .filter((l) => !l.startsWith("stax: "));
    assert.equal(lines.length, 3000);
    assert.equal(lines[2999], "line 3000\n");
    second.close();
    replay.close();
  } finally {
    await r.close();
  }
});

test("SSE: a subscriber that stops reading delays nobody, overflows, and is told where it stopped", async () => {
  const r = await startTestRunner({ maxQueueBytes: 4 * 1024 * 1024 });
  try {
    let overflowed = "";
    const stalled = await new Promise<import("node:http").IncomingMessage>((resolve) => {
      const req = request(`${r.url}/api/events`, (res) => resolve(res));
      req.end();
    });
    stalled.pause();
    stalled.socket.pause();
    // The subscriber that keeps up reads in its own process (this one also hosts the runner).
    const fast = await streamToFile(`${r.url}/api/events`);
    const run = await r.runToEnd("chatty", { inputs: { lines: "300000", every: "1000", pause: "5" } });
    // "Delays nobody": the reader that keeps up has every line, without an overflow, within 30 s of the run's end.
    const received = await fast.until("event: run.completed\n", 30_000);
    assert.equal(run.conclusion, "success");
    assert.equal(received.split(/event: step\.log\ndata: \{[^\n]*"line":"line \d+\\n"/).length - 1, 300000);
    assert.doesNotMatch(received, /event: overflow/);
    stalled.setEncoding("utf8");
    stalled.on("data", (d: string) => (overflowed += d));
    stalled.resume();
    stalled.socket.resume();
    await new Promise((res) => stalled.on("end", res));
    assert.match(overflowed, /event: overflow\ndata: \{"lastEventId":\d+\}\n\n$/);
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
    // The run can be named as everywhere else: by its number (or a unique prefix, or `last`).
    const byNumber = await openStream(r.url, `/api/events?runId=${a.number}&since=0`);
    await byNumber.waitFor((f) => f.event === "run.completed");
    assert.deepEqual(
      byNumber.events().map((e) => e.id),
      s.events().map((e) => e.id),
    );
    byNumber.close();
  } finally {
    await r.close();
  }
});

/** An SSE client in a child process that appends the stream to a file. */
async function streamToFile(
  url: string,
): Promise<{ until(marker: string, ms: number): Promise<string>; close(): void }> {
  const file = join(tempDir("stax-sse-"), "stream.txt");
  const script = `const out = require("fs").createWriteStream(process.argv[2]);
require("http").get(process.argv[1], (res) => { res.pipe(out); process.stdout.write("open\\n"); });`;
  const child = spawn(process.execPath, ["-e", script, url, file], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((ok) => child.stdout.once("data", () => ok()));
  return {
    async until(marker, ms) {
      const deadline = Date.now() + ms;
      for (;;) {
        const text = readFileSync(file, "utf8");
        if (text.includes(marker)) return text;
        if (Date.now() > deadline)
          throw new Error(
            `timed out waiting for ${JSON.stringify(marker)}; got ${text.length} bytes ending ${JSON.stringify(text.slice(-300))}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: () => child.kill(),
  };
}
