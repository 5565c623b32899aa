import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { ERROR_CODES, type ApiErrorBody, type WorkflowRun } from "../../src/contract/index.js";
import { rawRequest, startTestRunner } from "../helpers/runner.js";

type Case = {
  name: string;
  method: string;
  path: string;
  body?: string;
  type?: string;
  headers?: Record<string, string>;
  status: number;
  code: keyof typeof ERROR_CODES;
};

/** `{"a":{"a":…}}`, `depth` levels deep, as JSON text (JSON.stringify itself overflows on it). */
const nested = (depth: number): string => `${'{"a":'.repeat(depth)}{}${"}".repeat(depth)}`;

test("every bad request of the catalogue is a 4xx with a registered code, never a 5xx, and the runner keeps answering", async () => {
  const r = await startTestRunner();
  try {
    const done = await r.runToEnd("two-jobs");
    const json = "application/json";
    const cases: Case[] = [
      {
        name: "malformed JSON",
        method: "POST",
        path: "/api/runs",
        body: "{ workflow: ",
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "a JSON array instead of an object",
        method: "POST",
        path: "/api/runs",
        body: "[]",
        status: 400,
        code: "BAD_REQUEST",
      },
      { name: "JSON null", method: "POST", path: "/api/runs", body: "null", status: 400, code: "BAD_REQUEST" },
      {
        name: "workflow is a number",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":5}',
        status: 400,
        code: "BAD_REQUEST",
      },
      { name: "workflow is missing", method: "POST", path: "/api/runs", body: "{}", status: 400, code: "BAD_REQUEST" },
      {
        name: "inputs is an array",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"inputs","inputs":["a"]}',
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "jobs is a string",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"two-jobs","jobs":"build"}',
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "an unknown job",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"two-jobs","jobs":["deploy"]}',
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "an unknown sandbox strategy",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"two-jobs","sandbox":{"strategy":"docker"}}',
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "env with a non-string value",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"two-jobs","env":{"A":1}}',
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "an event name with a path",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"two-jobs","event":"../push"}',
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "an unknown workflow",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"nope"}',
        status: 404,
        code: "WORKFLOW_NOT_FOUND",
      },
      {
        name: "a workflow path outside the workspace",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"../../../../etc/passwd"}',
        status: 404,
        code: "WORKFLOW_NOT_FOUND",
      },
      {
        name: "an invalid workflow",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"invalid"}',
        status: 422,
        code: "WORKFLOW_INVALID",
      },
      {
        name: "a missing required input",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"inputs","event":"workflow_dispatch"}',
        status: 400,
        code: "INVALID_INPUT",
      },
      {
        name: "a wrong choice value",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"inputs","inputs":{"target":"x","level":"medium"}}',
        status: 400,
        code: "INVALID_INPUT",
      },
      {
        name: "an unknown input",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"inputs","inputs":{"target":"x","colour":"red"}}',
        status: 400,
        code: "INVALID_INPUT",
      },
      {
        name: "a boolean input given a word",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"inputs","inputs":{"target":"x","dry":"maybe"}}',
        status: 400,
        code: "INVALID_INPUT",
      },
      { name: "an unknown run id", method: "GET", path: "/api/runs/ffffffff", status: 404, code: "RUN_NOT_FOUND" },
      {
        name: "logs of an unknown run",
        method: "GET",
        path: "/api/runs/99999/logs",
        status: 404,
        code: "RUN_NOT_FOUND",
      },
      {
        name: "cancel of an unknown run",
        method: "POST",
        path: "/api/runs/ffffffff/cancel",
        body: "{}",
        status: 404,
        code: "RUN_NOT_FOUND",
      },
      {
        name: "cancel of a finished run",
        method: "POST",
        path: `/api/runs/${done.id}/cancel`,
        body: "{}",
        status: 409,
        code: "RUN_FINISHED",
      },
      {
        name: "rerun with failedOnly of a run without failures",
        method: "POST",
        path: `/api/runs/${done.id}/rerun`,
        body: '{"failedOnly":true}',
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "rerun with failedOnly not a boolean",
        method: "POST",
        path: `/api/runs/${done.id}/rerun`,
        body: '{"failedOnly":"yes"}',
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "delete of an unknown run",
        method: "DELETE",
        path: "/api/runs/ffffffff",
        status: 404,
        code: "RUN_NOT_FOUND",
      },
      {
        name: "an artifact name with ../",
        method: "GET",
        path: `/api/runs/${done.id}/artifacts/..%2F..%2Fstax.db`,
        status: 400,
        code: "INVALID_NAME",
      },
      {
        name: "an artifact that does not exist",
        method: "GET",
        path: `/api/runs/${done.id}/artifacts/nope`,
        status: 404,
        code: "ARTIFACT_NOT_FOUND",
      },
      {
        name: "a secret name with ../",
        method: "PUT",
        path: "/api/secrets/..%2Fkey",
        body: '{"value":"x"}',
        status: 400,
        code: "INVALID_NAME",
      },
      {
        name: "an absolute secret name",
        method: "PUT",
        path: "/api/secrets/%2Fetc%2Fpasswd",
        body: '{"value":"x"}',
        status: 400,
        code: "INVALID_NAME",
      },
      {
        name: "a secret value that is not a string",
        method: "PUT",
        path: "/api/secrets/OK_NAME",
        body: '{"value":42}',
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "an imported secret name with ../",
        method: "POST",
        path: "/api/secrets/import",
        body: JSON.stringify({ content: "GOOD=1\n../BAD=2\n" }),
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "delete of an unknown secret",
        method: "DELETE",
        path: "/api/secrets/NOPE",
        status: 404,
        code: "SECRET_NOT_FOUND",
      },
      {
        name: "an oversized body",
        method: "POST",
        path: "/api/runs",
        body: JSON.stringify({ workflow: "two-jobs", env: { BIG: "x".repeat(2 * 1024 * 1024) } }),
        status: 413,
        code: "PAYLOAD_TOO_LARGE",
      },
      {
        name: "a malformed percent escape",
        method: "GET",
        path: "/api/runs/%E0%A4%A",
        status: 400,
        code: "BAD_REQUEST",
      },
      { name: "a non-numeric limit", method: "GET", path: "/api/runs?limit=ten", status: 400, code: "BAD_REQUEST" },
      {
        name: "an unknown status filter",
        method: "GET",
        path: "/api/runs?status=done",
        status: 400,
        code: "BAD_REQUEST",
      },
      { name: "a negative since", method: "GET", path: "/api/events?since=-1", status: 400, code: "BAD_REQUEST" },
      {
        name: "a runId filter that names no run",
        method: "GET",
        path: "/api/events?runId=..%2F",
        status: 404,
        code: "RUN_NOT_FOUND",
      },
      {
        name: "an unknown field",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"two-jobs","bogus":1}',
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "a step that is not a number",
        method: "GET",
        path: `/api/runs/${done.id}/logs?step=x`,
        status: 400,
        code: "BAD_REQUEST",
      },
      { name: "an unknown API route", method: "GET", path: "/api/nothing", status: 404, code: "NOT_FOUND" },
      {
        name: "a method the route does not have",
        method: "PATCH",
        path: "/api/runs",
        body: "{}",
        status: 405,
        code: "METHOD_NOT_ALLOWED",
      },
      // Issue 15: hostile input is a 4xx, never an accident.
      {
        name: "an event payload nested 5,000 levels",
        method: "POST",
        path: "/api/runs",
        body: `{"workflow":"two-jobs","eventPayload":${nested(5000)}}`,
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "a field named __proto__",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"two-jobs","__proto__":{}}',
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "a field named constructor",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"two-jobs","constructor":1}',
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "a field named toString",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"two-jobs","toString":1}',
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "a field named valueOf",
        method: "PUT",
        path: "/api/secrets/OK_NAME",
        body: '{"value":"x","valueOf":1}',
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "sandbox with an extra field",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"two-jobs","sandbox":{"strategy":"none","bogus":1}}',
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "sandbox strategy null",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"two-jobs","sandbox":{"strategy":null}}',
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "sandbox ref not a string",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"two-jobs","sandbox":{"strategy":"none","ref":5}}',
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "a string input given an object",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"inputs","inputs":{"target":{"a":1}}}',
        status: 400,
        code: "INVALID_INPUT",
      },
      {
        name: "a string input given an array",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"inputs","inputs":{"target":["a"]}}',
        status: 400,
        code: "INVALID_INPUT",
      },
      {
        name: "a string input given null",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"inputs","inputs":{"target":"x","level":null}}',
        status: 400,
        code: "INVALID_INPUT",
      },
      {
        name: "a number input given '1e999'",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"inputs","inputs":{"target":"x","count":"1e999"}}',
        status: 400,
        code: "INVALID_INPUT",
      },
      {
        name: "a number input given 1e400",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"inputs","inputs":{"target":"x","count":1e400}}',
        status: 400,
        code: "INVALID_INPUT",
      },
      {
        name: "a number input given '0x10'",
        method: "POST",
        path: "/api/runs",
        body: '{"workflow":"inputs","inputs":{"target":"x","count":"0x10"}}',
        status: 400,
        code: "INVALID_INPUT",
      },
      { name: "a hexadecimal limit", method: "GET", path: "/api/runs?limit=0x10", status: 400, code: "BAD_REQUEST" },
      { name: "a limit with a space", method: "GET", path: "/api/runs?limit=%205", status: 400, code: "BAD_REQUEST" },
      { name: "an empty status filter", method: "GET", path: "/api/runs?status=", status: 400, code: "BAD_REQUEST" },
      {
        name: "a since beyond safe integers",
        method: "GET",
        path: "/api/events?since=1e23",
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "an empty Last-Event-ID",
        method: "GET",
        path: "/api/events",
        headers: { "Last-Event-ID": "" },
        status: 400,
        code: "BAD_REQUEST",
      },
      {
        name: "an imported secret named __proto__",
        method: "POST",
        path: "/api/secrets/import",
        body: JSON.stringify({ content: "__proto__=x\n" }),
        status: 400,
        code: "INVALID_NAME",
      },
      {
        name: "a secret named __proto__",
        method: "PUT",
        path: "/api/secrets/__proto__",
        body: '{"value":"x"}',
        status: 400,
        code: "INVALID_NAME",
      },
      {
        name: "a form post",
        method: "POST",
        path: "/api/runs",
        body: "workflow=two-jobs",
        type: "application/x-www-form-urlencoded",
        status: 415,
        code: "UNSUPPORTED_MEDIA_TYPE",
      },
    ];
    for (const c of cases) {
      const res = await rawRequest(r.url, {
        method: c.method,
        path: c.path,
        body: c.body,
        headers: { ...(c.body !== undefined ? { "Content-Type": c.type ?? json } : {}), ...c.headers },
      });
      assert.equal(res.status, c.status, `${c.name}: ${res.status} ${res.body.slice(0, 300)}`);
      const body = JSON.parse(res.body) as ApiErrorBody;
      assert.equal(body.error.code, c.code, `${c.name}: ${res.body.slice(0, 300)}`);
      assert.equal(
        ERROR_CODES[body.error.code].http,
        c.status,
        `${c.name}: the registry maps ${c.code} to ${c.status}`,
      );
      assert.ok(body.error.message.length > 0, `${c.name} has a message`);
      if (c.name.includes("nested")) assert.match(body.error.message, /64/, "the message names the depth limit");
      const health = await r.json<{ status: string }>("GET", "/health");
      assert.equal(health.status, 200, `still answering after ${c.name}`);
    }
    const invalid = await r.json<ApiErrorBody>("POST", "/api/runs", { workflow: "invalid" });
    const details = invalid.body.error.details as { file: string; line: number; column: number; message: string }[];
    assert.ok(
      details.length >= 1 &&
        details.every((d) => d.file.endsWith("invalid.yml") && d.line > 0 && d.column > 0 && d.message),
      "an invalid workflow's errors come with positions",
    );
    const runs = await r.json<WorkflowRun[]>("GET", "/api/runs");
    assert.equal(runs.body.length, 1, "no bad request started a run");
  } finally {
    await r.close();
  }
});

test("requests Node's HTTP parser refuses (a bad request line, headers too large) are answered in JSON with a code", async () => {
  const r = await startTestRunner();
  try {
    const port = Number(new URL(r.url).port);
    const send = (text: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, "127.0.0.1", () => socket.end(text));
        let got = "";
        socket.setEncoding("utf8");
        socket.on("data", (d: string) => (got += d));
        socket.on("end", () => resolve(got));
        socket.on("error", reject);
      });
    for (const [name, text, status, code] of [
      ["a bad request line", "NOT A REQUEST\r\n\r\n", 400, "BAD_REQUEST"],
      [
        "headers too large",
        `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${"x".repeat(20_000)}\r\n\r\n`,
        431,
        "HEADERS_TOO_LARGE",
      ],
    ] as const) {
      const answer = await send(text);
      assert.match(answer, new RegExp(`^HTTP/1.1 ${status} `), `${name}: ${answer.slice(0, 200)}`);
      assert.match(answer, /content-type: application\/json/i, `${name} is answered in JSON`);
      const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)) as ApiErrorBody;
      assert.equal(body.error.code, code, name);
      assert.ok(body.error.message.length > 0, `${name} has a message`);
    }
    assert.equal((await r.json("GET", "/health")).status, 200);
  } finally {
    await r.close();
  }
});

test("docs/api.md says what GET /api/events answers for a runId that names no run, and the runner does that", async () => {
  const doc = readFileSync(join(import.meta.dirname, "..", "..", "docs", "api.md"), "utf8");
  const section = doc.slice(doc.indexOf("### `GET /api/events`"), doc.indexOf("## Data model"));
  const documented = [...section.matchAll(/`(\d{3}) ([A-Z_]+)` \(([^)]*)\)/g)].find((m) =>
    m[3].includes("`runId` names no run"),
  );
  assert.ok(documented, "the section documents the answer for runId");
  const r = await startTestRunner();
  try {
    const res = await rawRequest(r.url, { path: "/api/events?runId=zz" });
    assert.equal(res.status, Number(documented[1]));
    assert.equal((JSON.parse(res.body) as ApiErrorBody).error.code, documented[2]);
  } finally {
    await r.close();
  }
});
