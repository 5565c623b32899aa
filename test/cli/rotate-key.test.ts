/**
 * `stax secret rotate-key` on one machine (SQLite, the key file): every stored secret and every
 * run request's own secrets are sealed again under a new key file, and runs and re-runs after it
 * read them as they were set. With a shared store see test/scale/pg-security.test.ts.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { workspaceDataDir } from "../../src/config/config.js";
import type { SecretInfo, WorkflowRun } from "../../src/contract/index.js";
import { api, finished } from "../helpers/fleet.js";
import { STAX_BIN, spawnRunner, type ChildRunner } from "../helpers/runner.js";
import { fixtureCopy, tempDir } from "../helpers/temp.js";

test("rotate-key seals the stored secrets and a run's own secrets under a new key file; it refuses while a runner holds the old key, and a re-run afterwards reads both secrets", async () => {
  const ws = fixtureCopy("rotate");
  const home = tempDir("stax-home-");
  const rotate = () =>
    spawnSync(process.execPath, [STAX_BIN, "secret", "rotate-key", "-w", ws], {
      env: { ...process.env, STAX_HOME: home, NO_COLOR: "1" },
      encoding: "utf8",
    });
  const stop = async (r: ChildRunner) => {
    r.child.kill("SIGTERM");
    await r.exited;
  };
  let runner = await spawnRunner(home, ws);
  let id: string;
  try {
    assert.equal((await api(runner, "PUT", "/api/secrets/STORED", { value: "stored-value" })).status, 200);
    const created = await api<WorkflowRun>(runner, "POST", "/api/runs", {
      workflow: "check",
      secrets: { RUN_ONLY: "run-value" },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    id = created.body.id;
    assert.equal((await finished(runner, id)).conclusion, "success");
    const refused = rotate();
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /a runner serves this workspace .* stop it first/);
  } finally {
    await stop(runner);
  }

  const keyFile = join(workspaceDataDir(home, ws), "secrets.key");
  const before = readFileSync(keyFile, "utf8");
  const rotated = rotate();
  assert.equal(rotated.status, 0, rotated.stderr);
  assert.match(rotated.stdout, /1 secret\(s\), 1 run request\(s\), 0 leg\(s\)/);
  assert.notEqual(readFileSync(keyFile, "utf8"), before, "a new key file");
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  assert.equal(existsSync(`${keyFile}.new`), false);
  assert.match(
    rotate().stdout,
    /1 secret\(s\), 1 run request\(s\)/,
    "a second rotation seals everything again under a newer key",
  );

  runner = await spawnRunner(home, ws);
  try {
    const secrets = (await api<SecretInfo[]>(runner, "GET", "/api/secrets")).body;
    assert.deepEqual(
      secrets.map((s) => [s.name, s.unreadable ?? false]),
      [["STORED", false]],
    );
    const again = await api<WorkflowRun>(runner, "POST", `/api/runs/${id}/rerun`, {});
    assert.equal(again.status, 201, JSON.stringify(again.body));
    const run = await finished(runner, again.body.id);
    assert.equal(run.conclusion, "success", (await api<string>(runner, "GET", `/api/runs/${run.id}/logs`)).body);
  } finally {
    await stop(runner);
  }
});
