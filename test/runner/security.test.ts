import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadConfig } from "../../src/config/config.js";
import { StaxError, type WorkflowRun } from "../../src/contract/index.js";
import { startRunner } from "../../src/server/app.js";
import { fixtureWorkspace } from "../helpers/engine.js";
import { openStream, rawRequest, startTestRunner } from "../helpers/runner.js";
import { tempDir } from "../helpers/temp.js";

test("a cross-origin POST is refused and a loopback origin is allowed with its CORS header", async () => {
  const r = await startTestRunner();
  try {
    const body = JSON.stringify({ workflow: "two-jobs" });
    const evil = await rawRequest(r.url, {
      method: "POST",
      path: "/api/runs",
      body,
      headers: { "Content-Type": "application/json", Origin: "http://evil.example" },
    });
    assert.equal(evil.status, 403);
    assert.equal(JSON.parse(evil.body).error.code, "FORBIDDEN_ORIGIN");
    assert.equal(evil.headers["access-control-allow-origin"], undefined);
    const preflight = await rawRequest(r.url, {
      method: "OPTIONS",
      path: "/api/runs",
      headers: { Origin: "http://evil.example", "Access-Control-Request-Method": "POST" },
    });
    assert.equal(preflight.status, 403, "a preflight from another origin is refused too");
    const dev = await rawRequest(r.url, {
      method: "GET",
      path: "/api/runs",
      headers: { Origin: "http://localhost:5173" },
    });
    assert.equal(dev.status, 200);
    assert.equal(dev.headers["access-control-allow-origin"], "http://localhost:5173");
    assert.equal((await r.json<WorkflowRun[]>("GET", "/api/runs")).body.length, 0, "the refused POST started nothing");
  } finally {
    await r.close();
  }
});

test("a configured extra origin is allowed and others stay refused", async () => {
  const r = await startTestRunner({ env: { STAX_ALLOWED_ORIGINS: "https://ci.example.com" } });
  try {
    const ok = await rawRequest(r.url, { path: "/api/runs", headers: { Origin: "https://ci.example.com" } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers["access-control-allow-origin"], "https://ci.example.com");
    assert.equal(
      (await rawRequest(r.url, { path: "/api/runs", headers: { Origin: "https://other.example.com" } })).status,
      403,
    );
  } finally {
    await r.close();
  }
});

test("a request with a foreign Host is refused (DNS rebinding), on the API, the events and the dashboard", async () => {
  const r = await startTestRunner();
  try {
    for (const path of ["/api/runs", "/api/events", "/", "/health"]) {
      const res = await rawRequest(r.url, { path, headers: { Host: "attacker.example:4800" } });
      assert.equal(res.status, 403, path);
      assert.equal(JSON.parse(res.body).error.code, "FORBIDDEN_HOST");
    }
    const port = new URL(r.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`])
      assert.equal((await rawRequest(r.url, { path: "/health", headers: { Host: host } })).status, 200, host);
  } finally {
    await r.close();
  }
});

test("a text/plain POST is refused, so no page can start a run with a simple form or fetch", async () => {
  const r = await startTestRunner();
  try {
    const res = await rawRequest(r.url, {
      method: "POST",
      path: "/api/runs",
      body: JSON.stringify({ workflow: "two-jobs" }),
      headers: { "Content-Type": "text/plain" },
    });
    assert.equal(res.status, 415);
    assert.equal(JSON.parse(res.body).error.code, "UNSUPPORTED_MEDIA_TYPE");
    const put = await rawRequest(r.url, {
      method: "PUT",
      path: "/api/secrets/X",
      body: '{"value":"v"}',
      headers: { "Content-Type": "text/plain;charset=UTF-8" },
    });
    assert.equal(put.status, 415);
    assert.equal((await r.json<WorkflowRun[]>("GET", "/api/runs")).body.length, 0);
  } finally {
    await r.close();
  }
});

test("binding off loopback without a token is refused at start-up", async () => {
  const home = tempDir("stax-home-");
  const config = loadConfig(
    { STAX_HOME: home },
    { port: 0, host: "0.0.0.0", workspace: fixtureWorkspace("runner-api") },
  );
  await assert.rejects(
    startRunner({ config, version: "test", hostEnv: {} }),
    (err: unknown) => err instanceof StaxError && err.code === "CONFIG_INVALID" && /token/.test(err.message),
  );
});

test("off loopback with a token every request needs it, the events stream included", async () => {
  const r = await startTestRunner({ host: "0.0.0.0", token: "s3cret-token-value" });
  try {
    for (const path of ["/api/runs", "/api/events", "/health"]) {
      const res = await rawRequest(r.url, { path });
      assert.equal(res.status, 401, path);
      assert.equal(JSON.parse(res.body).error.code, "UNAUTHORIZED");
    }
    assert.equal(
      (await rawRequest(r.url, { path: "/api/runs", headers: { Authorization: "Bearer wrong-token-value!" } })).status,
      401,
    );
    assert.equal(
      (await rawRequest(r.url, { path: "/api/runs", headers: { Authorization: "Bearer s3cret-token-value" } })).status,
      200,
    );
  } finally {
    await r.close();
  }
});

test("secret values never appear in an API response, an event, a log or the store's files", async () => {
  const r = await startTestRunner();
  const value = "hunter2-Xq9-very-secret";
  try {
    assert.equal((await r.json("PUT", "/api/secrets/API_TOKEN", { value })).status, 200);
    assert.equal((await r.json("POST", "/api/secrets/import", { content: `OTHER_TOKEN=${value}-2\n` })).status, 200);
    const s = await openStream(r.url, "/api/events");
    const run = await r.runToEnd("secrets");
    assert.equal(run.conclusion, "success");
    await s.waitFor((f) => f.event === "run.completed");
    const replay = await openStream(r.url, `/api/events?since=0&runId=${run.id}`);
    await replay.waitFor((f) => f.event === "run.completed");
    const responses = [
      (await r.json("GET", "/api/secrets")).body,
      (await r.json("GET", `/api/runs/${run.id}`)).body,
      (await r.json("GET", "/api/runs")).body,
      (await r.json("GET", `/api/runs/${run.id}/logs`)).body,
      (await r.json("GET", `/api/runs/${run.id}/artifacts`)).body,
      (await r.json("GET", "/api/workflows")).body,
    ].map((b) => (typeof b === "string" ? b : JSON.stringify(b)));
    const logs = responses[3];
    assert.match(logs, /token is \*\*\*\n/);
    assert.match(logs, /env has \*\*\*\n/);
    assert.deepEqual(
      JSON.parse(responses[0]).map((x: { name: string }) => x.name),
      ["API_TOKEN", "OTHER_TOKEN"],
    );
    for (const text of [...responses, s.text(), replay.text()])
      assert.ok(!text.includes(value) && !text.includes("hunter2"), `a secret leaked: ${text.slice(0, 200)}`);
    s.close();
    replay.close();
    await r.close();
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
    for (const f of files(r.home)) assert.ok(!readFileSync(f).includes(value), `${f} holds the secret in clear`);
  } finally {
    await r.close().catch(() => {});
  }
});

test("a secret in a step's name or first run line is masked in the step's name", async () => {
  const r = await startTestRunner();
  try {
    await r.json("PUT", "/api/secrets/API_TOKEN", { value: "hunter2-Xq9-very-secret" });
    const run = await r.runToEnd("secret-name");
    assert.deepEqual(
      run.jobs[0].steps.map((s) => s.name),
      ["deploy with ***", 'Run echo "first line ***"'],
    );
  } finally {
    await r.close();
  }
});

test("a step's script shown by the dashboard (Step.script) is masked: a secret's value written literally in it never reaches the API", async () => {
  const r = await startTestRunner();
  try {
    await r.json("PUT", "/api/secrets/LITERAL", { value: "named" });
    const run = await r.runToEnd("secret-name");
    assert.deepEqual(
      run.jobs[0].steps.map((s) => s.script),
      ["echo ***", 'echo "first line ${{ secrets.API_TOKEN }}"'],
    );
  } finally {
    await r.close();
  }
});
