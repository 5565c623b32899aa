/**
 * The CLI's event client against a scripted SSE server: what it does when the runner drops the
 * stream. (The real runner's overflow is tested in test/runner/sse.test.ts.)
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { RunnerClient } from "../../src/client/index.js";

const frame = (id: number, type: string, data: object) =>
  `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
const log = (id: number) => frame(id, "step.log", { runId: "r1", jobId: "j", stepNumber: 1, line: `line ${id}\n` });

test("after an overflow and after a dropped connection the client resumes from the last event it got: every event once, in order", async () => {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? "");
    res.writeHead(200, { "Content-Type": "text/event-stream" });
    const since = Number(new URL(req.url ?? "", "http://x").searchParams.get("since"));
    if (since === 0)
      return res.end(
        `retry: 2000\n\nevent: ping\ndata: {}\n\n${log(1)}${log(2)}event: overflow\ndata: {"lastEventId":2}\n\n`,
      );
    if (since === 2) return res.end(`${log(3)}${log(4)}`); // the connection drops
    res.end(`${log(5)}${frame(6, "run.completed", { runId: "r1", run: { id: "r1", conclusion: "success" } })}`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const client = new RunnerClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const seen: (number | string)[] = [];
    await client.events({ since: 0, runId: "r1" }, (item) => {
      seen.push("id" in item && item.id !== undefined ? item.id : item.type);
      return item.type === "run.completed";
    });
    assert.deepEqual(seen, ["ping", 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(requests, [
      "/api/events?since=0&runId=r1",
      "/api/events?since=2&runId=r1",
      "/api/events?since=4&runId=r1",
    ]);
  } finally {
    server.close();
  }
});

test("a stream the runner keeps closing without new events ends in RUNNER_UNAVAILABLE, not a hang", async () => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/event-stream" });
    res.end("event: ping\ndata: {}\n\n");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const client = new RunnerClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await assert.rejects(
      client.events({ since: 0 }, () => false),
      { code: "RUNNER_UNAVAILABLE" },
    );
  } finally {
    server.close();
  }
});

test("the client reads SSE as the format allows, not only as our runner writes it: data: without a space, CRLF and CR line ends, multi-line data, comments, id and retry lines", async () => {
  // A scripted server (not the runner) stands for any SSE server or proxy that writes frames differently.
  const event = (id: number) => JSON.stringify({ runId: "r1", jobId: "j", stepNumber: 1, line: `line ${id}` });
  const done = JSON.stringify({ runId: "r1", run: { id: "r1", conclusion: "success" } });
  const server = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/event-stream" });
    res.write(": a comment line, then a retry\r\nretry: 1500\r\n\r\n");
    res.write(`id:1\r\nevent:step.log\r\ndata:${event(1)}\r\n\r\n`);
    // Multi-line data: the lines join with a newline, which JSON reads as white space.
    res.write(
      `id: 2\nevent: step.log\ndata: {"runId": "r1",\ndata: "jobId": "j", "stepNumber": 1,\ndata: "line": "line 2"}\n\n`,
    );
    // CR alone ends lines too; this frame comes in two writes split inside its line end.
    res.write(`id: 3\revent: step.log\rdata: ${event(3)}\r`);
    res.end(`\rid: 4\nevent: run.completed\ndata: ${done}\n\n`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const client = new RunnerClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const seen: string[] = [];
    await client.events({ since: 0 }, (item) => {
      seen.push(
        "id" in item ? `${item.id} ${item.type} ${(item.data as { line?: string }).line ?? ""}`.trim() : item.type,
      );
      return item.type === "run.completed";
    });
    assert.deepEqual(seen, ["1 step.log line 1", "2 step.log line 2", "3 step.log line 3", "4 run.completed"]);
  } finally {
    server.close();
  }
});
