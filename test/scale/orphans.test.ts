/**
 * A worker (scale-out.md) stopped on SIGTERM finishes the legs in hand; when each ends, the
 * processes its steps left behind are killed, as on a runner.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { WorkflowRun } from "../../src/contract/index.js";
import { api, finished, startFleet, type Fleet } from "../helpers/fleet.js";
import { LEAVE_150, marked } from "../helpers/orphans.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { gitInit, tempDir, until } from "../helpers/temp.js";

const mark = randomUUID();
// Outside the workspace: a worker may see the workspace covered by an empty tmpfs (helpers/fleet.ts).
const signals = tempDir("stax-orphan-signals-");
const WORKSPACE = tempDir("stax-orphans-fleet-");
mkdirSync(join(WORKSPACE, ".github", "workflows"), { recursive: true });
writeFileSync(
  join(WORKSPACE, ".github", "workflows", "bg.yml"),
  `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    env:\n      ORPHAN_MARK: ${mark}\n    steps:\n      - run: |\n          ${LEAVE_150}\n          touch "${join(signals, "ready")}"\n          sleep 3\n`,
);
gitInit(WORKSPACE);

let pg: TestPostgres;
let fleet: Fleet;

before(async () => {
  pg = await startPostgres();
  fleet = await startFleet({ databaseUrl: pg.url, workspace: WORKSPACE, frontEnds: 1 });
  await fleet.startWorker("w1");
});
after(async () => {
  for (const pid of marked(mark)) process.kill(pid, "SIGKILL");
  await fleet?.stop();
  await pg?.stop();
});

test(
  "a worker stopped on SIGTERM mid-leg finishes it, and none of the 150 processes the leg's step left behind is alive after",
  { skip: !existsSync("/proc/self/environ") && "needs /proc (Linux)" },
  async () => {
    const [a] = fleet.frontEnds;
    const created = await api<WorkflowRun>(a, "POST", "/api/runs", { workflow: "bg" });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await until("the step started its 150 sleeps", () => existsSync(join(signals, "ready")) || undefined, 120_000);
    assert.ok(marked(mark).length >= 150, `${marked(mark).length} marked processes`);
    const worker = fleet.workers.get("w1")!;
    worker.child.kill("SIGTERM");
    const code = await new Promise<number | null>((r) =>
      worker.child.exitCode !== null ? r(worker.child.exitCode) : worker.child.on("exit", (c) => r(c)),
    );
    assert.equal(code, 0, worker.output());
    assert.deepEqual(marked(mark), [], "none is alive after the worker stopped");
    const run = await finished(a, created.body.id);
    const log = (await api<string>(a, "GET", `/api/runs/${run.id}/logs`)).body;
    assert.match(log, /Cleaning up orphan processes: stopped \d+ \(sleep/);
  },
);
