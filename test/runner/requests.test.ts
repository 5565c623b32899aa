/**
 * What a run was started with is stored with it: a re-run after the runner restarted gets the same
 * env, run-only secrets and event payload. Secrets under another key are named, never skipped.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { loadConfig, workspaceDataDir } from "../../src/config/config.js";
import type { SecretInfo, WorkflowRun } from "../../src/contract/index.js";
import { startRunner, type Runner } from "../../src/server/app.js";
import { openStore } from "../../src/store/index.js";
import { fixtureWorkspace } from "../helpers/engine.js";
import { tempDir } from "../helpers/temp.js";

const WORKSPACE = fixtureWorkspace("runner-api");

async function start(home: string, env: Record<string, string> = {}): Promise<Runner> {
  return startRunner({
    config: loadConfig({ STAX_HOME: home, STAX_PING_INTERVAL_MS: "60000", ...env }, { port: 0, workspace: WORKSPACE }),
    version: "test",
    hostEnv: process.env,
  });
}

async function call<T>(r: Runner, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${r.url}${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: (res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text) as T,
  };
}

async function finished(r: Runner, id: string): Promise<WorkflowRun> {
  for (const t = Date.now(); Date.now() - t < 30_000; await new Promise((res) => setTimeout(res, 30))) {
    const run = (await call<WorkflowRun>(r, "GET", `/api/runs/${id}`)).body;
    if (run.status === "completed") return run;
  }
  throw new Error(`run ${id} did not finish`);
}

test("a re-run after a restart of the runner has the original env, run-only secrets and event payload; the stored request holds no plaintext secret", async () => {
  const home = tempDir("stax-requests-");
  let r = await start(home);
  const created = await call<WorkflowRun>(r, "POST", "/api/runs", {
    workflow: "request",
    env: { E: "from-request" },
    secrets: { RUN_ONLY: "only-this-run" },
    eventPayload: { note: "kept" },
  });
  assert.equal(created.status, 201);
  const first = await finished(r, created.body.id);
  assert.equal(first.conclusion, "success");
  await r.close();
  const raw = openStore(workspaceDataDir(home, WORKSPACE));
  const stored = await raw.queue.request(first.id);
  await raw.close();
  assert.ok(stored?.sealedSecrets, "run-only secrets are kept sealed");
  assert.ok(!JSON.stringify(stored).includes("only-this-run"), "never in plaintext");

  r = await start(home);
  try {
    const again = await call<WorkflowRun>(r, "POST", `/api/runs/${first.id}/rerun`, {});
    assert.equal(again.status, 201);
    assert.equal((await finished(r, again.body.id)).conclusion, "success");
    const log = (await call<string>(r, "GET", `/api/runs/${again.body.id}/logs`)).body;
    assert.match(log, /env E=from-request/);
    assert.match(log, /run-only secret present/);
    assert.match(log, /event note: kept/);
  } finally {
    await r.close();
  }
});

test("a secret stored under another STAX_SECRETS_KEY is listed as unreadable, and a run that uses it fails to start naming the secret and the key in use", async () => {
  const home = tempDir("stax-keys-");
  const keyA = randomBytes(32).toString("base64");
  const keyB = randomBytes(32).toString("base64");
  let r = await start(home, { STAX_SECRETS_KEY: keyA });
  assert.equal((await call(r, "PUT", "/api/secrets/API_TOKEN", { value: "abc" })).status, 200);
  await r.close();
  r = await start(home, { STAX_SECRETS_KEY: keyB });
  try {
    const list = (await call<SecretInfo[]>(r, "GET", "/api/secrets")).body;
    assert.deepEqual(
      list.map((s) => [s.name, s.unreadable]),
      [["API_TOKEN", true]],
    );
    const res = await call<{ error: { code: string; message: string } }>(r, "POST", "/api/runs", {
      workflow: "secrets",
    });
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, "SECRET_UNREADABLE");
    assert.match(res.body.error.message, /'API_TOKEN'/);
    assert.match(res.body.error.message, /STAX_SECRETS_KEY \(fingerprint [0-9a-f]{8}\)/);
    assert.ok(!res.body.error.message.includes(keyB), "the key itself is never shown");
    // A workflow that does not use it still runs.
    assert.equal((await call(r, "POST", "/api/runs", { workflow: "two-jobs" })).status, 201);
  } finally {
    await r.close();
  }
});
