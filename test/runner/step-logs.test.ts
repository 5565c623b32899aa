/**
 * A step's log through the REST API (issue 14), on the embedded store with a real runner: pages by
 * line range, their caps and 400s, server-side search beyond the first page, group markers, the
 * step's text as a download, masked text everywhere, `lastEventId` on the run, and the SSE
 * `jobId` filter.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type {
  NumberedLine,
  RunSnapshot,
  StepGroupsResponse,
  StepLinesResponse,
  StepSearchResponse,
  WorkflowRun,
} from "../../src/contract/index.js";
import { fixtureWorkspace } from "../helpers/engine.js";
import { openStream, startTestRunner, type TestRunner } from "../helpers/runner.js";

let r: TestRunner;
let run: WorkflowRun;
const LINES = 12_000;
const step = (n: number, rest: string) => `/api/runs/${run.id}/jobs/print/steps/${n}/${rest}`;

/** When the run was started and when it had ended: every stored line's time is between. */
let window: [number, number];
/** Lines without their times (`t`, checked on their own). */
const plain = (lines: NumberedLine[]) => lines.map(({ n, text }) => ({ n, text }));

before(async () => {
  r = await startTestRunner({ workspace: fixtureWorkspace("logs") });
  const started = Date.now();
  run = await r.runToEnd("logs", { inputs: { lines: LINES } });
  window = [started, Date.now()];
  assert.equal(run.conclusion, "success");
});
after(async () => {
  await r?.close();
});

test("lines come by range with their numbers, the step's total and the newest event id; a page is capped at 5,000 lines", async () => {
  const first = await r.json<StepLinesResponse>("GET", step(2, "lines?from=0&limit=3"));
  assert.equal(first.status, 200);
  assert.deepEqual(plain(first.body.lines), [
    { n: 1, text: "row 1 of the log\n" },
    { n: 2, text: "row 2 of the log\n" },
    { n: 3, text: "row 3 of the log\n" },
  ]);
  const total = first.body.total;
  assert.ok(total >= LINES + 4, `every line is counted (${total})`);
  const snapshot = await r.json<RunSnapshot>("GET", `/api/runs/${run.id}`);
  assert.equal(first.body.lastEventId, snapshot.body.lastEventId, "nothing was committed since the run ended");

  const middle = await r.json<StepLinesResponse>("GET", step(2, "lines?from=9998&limit=2"));
  assert.deepEqual(plain(middle.body.lines), [
    { n: 9999, text: "row 9999 of the log\n" },
    { n: 10000, text: "row 10000 of the log\n" },
  ]);
  const capped = await r.json<StepLinesResponse>("GET", step(2, "lines?from=100&limit=999999"));
  assert.equal(capped.body.lines.length, 5000);
  assert.deepEqual([capped.body.lines[0].n, capped.body.lines[4999].n], [101, 5100]);
  const tail = await r.json<StepLinesResponse>("GET", step(2, `lines?from=${total - 1}`));
  assert.deepEqual(plain(tail.body.lines), [{ n: total, text: "last row\n" }]);
  // Each line has the time its batch was stored (ms since the epoch), within the run, in order.
  const times = [...first.body.lines, ...capped.body.lines, ...middle.body.lines, ...tail.body.lines].map((l) => l.t);
  assert.ok(
    times.every((t) => typeof t === "number" && t >= window[0] && t <= window[1]),
    `times within the run: ${JSON.stringify(times.slice(0, 3))}`,
  );
  assert.ok(
    capped.body.lines.every((l, i) => i === 0 || l.t! >= capped.body.lines[i - 1].t!),
    "times never go back along the step",
  );
  const past = await r.json<StepLinesResponse>("GET", step(2, `lines?from=${total + 10}`));
  assert.deepEqual(past.body, { lines: [], total, lastEventId: first.body.lastEventId });
});

test("a bad from or limit answers 400 BAD_REQUEST naming the parameter; an unknown job or step answers 404 STEP_NOT_FOUND", async () => {
  for (const q of ["from=-1", "from=abc", "from=1e3", "limit=0", "limit=-5", "limit=ten", "from=0x10"]) {
    const res = await r.json<{ error: { code: string; message: string } }>("GET", step(2, `lines?${q}`));
    assert.equal(res.status, 400, q);
    assert.equal(res.body.error.code, "BAD_REQUEST");
    assert.match(res.body.error.message, new RegExp(`'${q.split("=")[0]}'`));
  }
  for (const path of [
    step(9, "lines"),
    `/api/runs/${run.id}/jobs/nope/steps/1/lines`,
    step(9, "search?q=x"),
    step(9, "log"),
  ]) {
    const res = await r.json<{ error: { code: string } }>("GET", path);
    assert.equal(res.status, 404, path);
    assert.equal(res.body.error.code, "STEP_NOT_FOUND");
  }
  const noQuery = await r.json<{ error: { code: string } }>("GET", step(2, "search"));
  assert.equal(noQuery.status, 400);
  assert.equal(noQuery.body.error.code, "BAD_REQUEST");
});

test("lines are the stored, masked text as SSE delivered them: a secret added by ::add-mask:: is *** in pages, search and download", async () => {
  const lines = (await r.json<StepLinesResponse>("GET", step(1, "lines"))).body.lines;
  const texts = lines.map((l) => l.text);
  assert.ok(texts.includes("the password is ***\n"), JSON.stringify(texts));
  assert.ok(texts.includes("\x1b[32mgreen text\x1b[0m\n"), "ANSI escapes are kept");
  assert.ok(!JSON.stringify(lines).includes("hunter2"));
  const replay = await openStream(r.url, `/api/events?runId=${run.id}&since=0`);
  await replay.waitFor((f) => f.event === "run.completed");
  replay.close();
  const streamed = replay
    .events()
    .filter((e) => e.type === "step.log" && e.data.jobId === "print" && e.data.stepNumber === 1)
    .map((e) => (e.data as { line: string }).line);
  assert.deepEqual(texts, streamed, "the same lines, in the same order, as the stream");
  assert.equal((await r.json<StepSearchResponse>("GET", step(2, "search?q=hunter2"))).body.total, 0);
  const download = await fetch(`${r.url}${step(2, "log")}`);
  assert.equal(download.headers.get("content-type"), "text/plain; charset=utf-8");
  const text = await download.text();
  assert.ok(text.includes("the Needle In The Haystack, said ***\n") && !text.includes("hunter2"));
});

test("search runs on the server: case-insensitive, beyond the first page, with the total; from and limit page through matches", async () => {
  const needle = await r.json<StepSearchResponse>("GET", step(2, `search?q=${encodeURIComponent("NEEDLE in the")}`));
  assert.equal(needle.status, 200);
  assert.equal(needle.body.total, 1);
  assert.deepEqual(needle.body.matches, [{ n: LINES + 2, text: "the Needle In The Haystack, said ***\n" }]);
  const many = await r.json<StepSearchResponse>("GET", step(2, "search?q=9%20of&limit=3"));
  assert.equal(many.body.matches.length, 3);
  assert.deepEqual(
    many.body.matches.map((m) => m.n),
    [9, 19, 29],
  );
  assert.equal(many.body.total, 1200, "rows ending in 9: one in ten");
  const later = await r.json<StepSearchResponse>("GET", step(2, "search?q=9%20of&from=29&limit=2"));
  assert.deepEqual(
    later.body.matches.map((m) => m.n),
    [39, 49],
  );
  const coloured = await r.json<StepSearchResponse>("GET", step(1, "search?q=GREEN%20TEXT"));
  assert.deepEqual(
    coloured.body.matches.map((m) => m.text),
    ["\x1b[32mgreen text\x1b[0m\n"],
    "matched on the text shown, without ANSI escapes",
  );
});

test("group markers of a step come with their line numbers; the download is the step's whole text", async () => {
  const g = await r.json<StepGroupsResponse>("GET", step(2, "groups"));
  assert.deepEqual(g.body.markers, [
    { n: LINES + 1, kind: "group" },
    { n: LINES + 3, kind: "endgroup" },
  ]);
  const all = await r.json<StepLinesResponse>("GET", step(2, `lines?from=0&limit=5000`));
  const text = await (await fetch(`${r.url}${step(2, "log")}`)).text();
  assert.equal(text.split("\n").length - 1, g.body.total);
  assert.ok(text.startsWith(all.body.lines.map((l) => l.text).join("")));
});

test("GET /api/runs/:id carries lastEventId; an SSE stream since it with runId and jobId sends that job's events and the run's run.* and job.* events only", async () => {
  const next = await r.runToEnd("logs", { inputs: { lines: 10 } });
  const all = await openStream(r.url, `/api/events?runId=${next.id}&since=0`);
  await all.waitFor((f) => f.event === "run.completed");
  all.close();
  const one = await openStream(r.url, `/api/events?runId=${next.id}&jobId=other&since=0`);
  await one.waitFor((f) => f.event === "run.completed");
  one.close();
  const expected = all
    .events()
    .filter((e) => !e.type.startsWith("step.") || (e.data as { jobId: string }).jobId === "other");
  assert.deepEqual(
    one.events().map((e) => e.id),
    expected.map((e) => e.id),
  );
  assert.ok(
    one.events().some((e) => e.type === "job.completed" && (e.data as { jobId: string }).jobId === "print"),
    "the other job's job.* events come",
  );
  assert.ok(!one.events().some((e) => e.type === "step.log" && (e.data as { jobId: string }).jobId === "print"));

  const snap = await r.json<RunSnapshot>("GET", `/api/runs/${next.id}`);
  assert.equal(snap.body.lastEventId, Math.max(...all.events().map((e) => e.id)), "the newest event of the store");
  const since = await openStream(r.url, `/api/events?runId=${next.id}&since=${snap.body.lastEventId}`);
  await since.waitFor((f) => f.event === "ping");
  // Kept on purpose: a window for a wrong replay to show (nothing arriving has no event to wait for).
  await new Promise((res) => setTimeout(res, 200));
  since.close();
  assert.deepEqual(since.events(), [], "a finished run is not replayed past its snapshot");
  const bad = await r.json<{ error: { code: string } }>("GET", "/api/events?jobId=other");
  assert.equal(bad.status, 400);
});

test("a run is shown completed only once every line of it is stored: its step's total, read at once, counts them all", async () => {
  const created = await r.json<WorkflowRun>("POST", "/api/runs", {
    workflow: "logs",
    inputs: { lines: 200_000 },
  });
  assert.equal(created.status, 201);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const got = await r.json<WorkflowRun>("GET", `/api/runs/${created.body.id}`);
    if (got.body.status === "completed") break;
    assert.ok(Date.now() < deadline, "the run did not complete within 2 minutes");
    await new Promise((res) => setTimeout(res, 2));
  }
  const at = await r.json<StepLinesResponse>(
    "GET",
    `/api/runs/${created.body.id}/jobs/print/steps/2/lines?from=0&limit=1`,
  );
  assert.ok(at.body.total >= 200_004, `every line is stored when the run shows completed (${at.body.total})`);
});

test("GET /api/runs/:id/logs?timestamps=true starts each line with the UTC time it was stored; without it the text has no times", async () => {
  const path = `/api/runs/${run.id}/logs?job=print&step=2`;
  const plain = await (await fetch(`${r.url}${path}`)).text();
  assert.match(plain, /^row 1 of the log$/m);
  const stamped = await (await fetch(`${r.url}${path}&timestamps=true`)).text();
  const lines = stamped.split("\n").slice(2, -1);
  assert.equal(lines.length, plain.split("\n").length - 3, "the same lines");
  for (const l of [lines[0], lines[5000], lines[lines.length - 1]]) {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) /.exec(l);
    assert.ok(m, l);
    const t = Date.parse(m[1]);
    assert.ok(t >= window[0] && t <= window[1], `${l} within the run`);
  }
  assert.equal(lines[0].slice(25), "row 1 of the log");
});
