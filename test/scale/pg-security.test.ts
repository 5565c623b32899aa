/**
 * Many machines, secured (docs/scale-out.md, "Security"): TLS to PostgreSQL as the URL asks for
 * it, and a worker that logs in with the least-privilege role `stax db worker-role` sets up.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { after, test } from "node:test";
import pg from "pg";
import type { WorkflowRun } from "../../src/contract/index.js";
import { fixtureWorkspace } from "../helpers/engine.js";
import { api, finished, startFleet, type Fleet } from "../helpers/fleet.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { STAX_BIN } from "../helpers/runner.js";

const WORKSPACE = fixtureWorkspace("fleet");
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function started(opts: { tls?: boolean }): Promise<TestPostgres> {
  const pgs = await startPostgres(opts);
  cleanups.push(() => pgs.stop());
  return pgs;
}

async function fleetOn(url: string, secretsKey?: string): Promise<Fleet> {
  const fleet = await startFleet({
    databaseUrl: url,
    workspace: WORKSPACE,
    frontEnds: 1,
    ...(secretsKey ? { secretsKey } : {}),
  });
  cleanups.push(() => fleet.stop());
  return fleet;
}

function stax(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [STAX_BIN, ...args], {
    env: { ...process.env, NO_COLOR: "1", ...env },
    encoding: "utf8",
    cwd: WORKSPACE,
  });
}

/** A run of the fleet fixture's `spread` workflow (a matrix, outputs, an artifact, a secret) through the front-end. */
async function spread(
  fleet: Fleet,
  o: { setSecret?: boolean; body?: object } = {},
): Promise<{ run: WorkflowRun; log: string }> {
  const [front] = fleet.frontEnds;
  if (o.setSecret !== false)
    assert.equal((await api(front, "PUT", "/api/secrets/FLEET_SECRET", { value: "fleet-value" })).status, 200);
  const created = await api<WorkflowRun>(front, "POST", "/api/runs", { workflow: "spread", ...o.body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const run = await finished(front, created.body.id, 60_000).catch((err: Error) => {
    throw new Error(
      `${err.message}; the workers said:\n${[...fleet.workers.values()].map((w) => w.output()).join("\n")}`,
    );
  });
  return { run, log: (await api<string>(front, "GET", `/api/runs/${run.id}/logs`)).body };
}

test("a worker logged in with the role `stax db worker-role` set up runs its legs, and that role can neither create runs or legs, change a leg's spec, nor read secrets, run requests or variables", async () => {
  const server = await started({});
  const owner = new pg.Client({ connectionString: server.url });
  await owner.connect();
  cleanups.push(() => owner.end());
  await owner.query("CREATE ROLE stax_w LOGIN");
  const fleet = await fleetOn(server.url);
  const granted = stax(["db", "worker-role", "stax_w"], fleet.env);
  assert.equal(granted.status, 0, granted.stderr);
  const printed = stax(["db", "worker-role", "stax_w", "--print"], fleet.env);
  assert.match(printed.stdout, /GRANT SELECT ON stax_legs TO "stax_w"/);
  assert.doesNotMatch(
    printed.stdout,
    /stax_secrets|stax_run_requests|stax_runs\b/,
    "no grant names the tables a worker must not touch",
  );

  const workerUrl = server.url.replace("//stax:not-the-real-password@", "//stax_w@");
  await fleet.startWorker("w1", ["--database", workerUrl, "--concurrency", "2"]);
  const { run, log } = await spread(fleet);
  assert.equal(run.conclusion, "success", log);
  assert.deepEqual(
    [...new Set([...log.matchAll(/leg \d on (w\d)/g)].map((m) => m[1]))],
    ["w1"],
    "the legs ran on the worker",
  );
  assert.match(log, /secret: \*\*\*/, "the leg's sealed secret reached the worker");

  const asWorker = new pg.Client({ connectionString: workerUrl });
  await asWorker.connect();
  cleanups.push(() => asWorker.end());
  const refused = async (sql: string) => {
    const err = await asWorker.query(sql).then(
      () => undefined,
      (e: { code?: string }) => e,
    );
    assert.equal(err?.code, "42501", `the worker's role may not: ${sql}`);
  };
  await refused(
    "INSERT INTO stax_runs (workspace, id, number, workflow, status, workflow_file, created_at, data) VALUES ('w', 'r', 1, 'x', 'queued', 'x', 'now', '{}')",
  );
  await refused("INSERT INTO stax_run_requests (workspace, run_id, request, created_at) VALUES ('w', 'r', '{}', 0)");
  await refused(
    "INSERT INTO stax_legs (id, workspace, run_id, job_id, labels, spec, created_at) VALUES ('l', 'w', 'r', 'j', '{}', '{}', 0)",
  );
  await refused("UPDATE stax_legs SET spec = '{}'");
  await refused("SELECT * FROM stax_secrets");
  await refused("SELECT request FROM stax_run_requests");
  await refused("SELECT * FROM stax_vars");
  await refused("CREATE TABLE stax_evil (x int)");
});

test("TLS to PostgreSQL as the URL asks: verify-full against the server's CA carries a whole fleet run over TLS; a wrong CA or no TLS is one clear line", async () => {
  const server = await started({ tls: true });
  const plain = server.url.replace(/\?.*$/, "");
  const env = { STAX_SECRETS_KEY: Buffer.alloc(32, 7).toString("base64") };

  const noTls = stax(["db", "migrate"], { ...env, STAX_DATABASE_URL: plain });
  assert.equal(noTls.status, 2);
  assert.match(
    noTls.stderr,
    /cannot reach the database at postgres:\/\/stax:\*\*\*@127\.0\.0\.1:\d+\/postgres: .*no encryption/,
  );
  const wrongCa = stax(["db", "migrate"], {
    ...env,
    STAX_DATABASE_URL: `${plain}?sslmode=verify-full&sslrootcert=${process.execPath}`,
  });
  assert.equal(wrongCa.status, 2);
  assert.match(wrongCa.stderr, /cannot reach the database .*(certificate|PEM|no start line)/i);

  const fleet = await fleetOn(server.url);
  await fleet.startWorker("w1", ["--concurrency", "2"]);
  const { run, log } = await spread(fleet);
  assert.equal(run.conclusion, "success", log);
  assert.match(log, /leg \d on w1/);
  const owner = new pg.Client({ connectionString: server.url });
  await owner.connect();
  cleanups.push(() => owner.end());
  const { rows } = await owner.query<{ ssl: boolean; n: string }>(
    "SELECT s.ssl, count(*) AS n FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.client_addr IS NOT NULL GROUP BY s.ssl",
  );
  assert.deepEqual(
    rows.map((r) => r.ssl),
    [true],
    "every connection of the front-end, the worker and their LISTENs is encrypted",
  );
});

test("rotate-key on a shared store seals stored secrets, run requests and legs again under STAX_NEW_SECRETS_KEY; a fleet restarted with it runs and re-runs with them", async () => {
  const server = await started({});
  const oldKey = randomBytes(32).toString("base64");
  const newKey = randomBytes(32).toString("base64");
  const first = await fleetOn(server.url, oldKey);
  await first.startWorker("w1", ["--concurrency", "2"]);
  const { run, log } = await spread(first, { body: { secrets: { RUN_ONLY: "kept for re-runs" } } });
  assert.equal(run.conclusion, "success", log);
  await first.stop();

  const env = { STAX_DATABASE_URL: server.url, STAX_SECRETS_KEY: oldKey };
  assert.match(stax(["secret", "rotate-key"], env).stderr, /STAX_NEW_SECRETS_KEY must hold the new key/);
  const rotated = stax(["secret", "rotate-key"], { ...env, STAX_NEW_SECRETS_KEY: newKey });
  assert.equal(rotated.status, 0, rotated.stderr);
  assert.match(
    rotated.stdout,
    /1 secret\(s\), 1 run request\(s\), 5 leg\(s\)/,
    "the stored secret, the run's request and its five legs",
  );
  assert.match(
    stax(["secret", "rotate-key"], { ...env, STAX_NEW_SECRETS_KEY: newKey }).stdout,
    /0 secret\(s\), 0 run request\(s\), 0 leg\(s\)/,
    "a second pass with the same keys finds nothing left to do",
  );

  const second = await fleetOn(server.url, newKey);
  await second.startWorker("w2", ["--concurrency", "2"]);
  const again = await spread(second, { setSecret: false });
  assert.equal(again.run.conclusion, "success", again.log);
  assert.match(again.log, /leg \d on w2/);
  const rerun = await api<WorkflowRun>(second.frontEnds[0], "POST", `/api/runs/${run.id}/rerun`, {});
  assert.equal(rerun.status, 201, JSON.stringify(rerun.body));
  assert.equal(
    (await finished(second.frontEnds[0], rerun.body.id, 60_000)).conclusion,
    "success",
    "the re-run's own secrets unsealed with the new key",
  );
});
