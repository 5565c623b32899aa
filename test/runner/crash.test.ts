import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { test } from "node:test";
import type { WorkflowRun } from "../../src/contract/index.js";
import { INTERRUPTED_LINE } from "../../src/store/index.js";
import { fixtureWorkspace } from "../helpers/engine.js";
import { openStream, spawnRunner, STAX_BIN, type ChildRunner } from "../helpers/runner.js";
import { tempDir, until } from "../helpers/temp.js";

const WORKSPACE = fixtureWorkspace("runner-api");

async function api<T>(r: ChildRunner, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${r.url}${path}`, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const type = res.headers.get("content-type") ?? "";
  return (type.includes("json") ? res.json() : res.text()) as Promise<T>;
}

function waitCompleted(r: ChildRunner, id: string): Promise<WorkflowRun> {
  return until(`run ${id} to complete`, async () => {
    const run = await api<WorkflowRun>(r, "GET", `/api/runs/${id}`);
    return run.status === "completed" ? run : undefined;
  });
}

/** The chatty step's lines in a run's log, as its events carry them: the sandbox's line first, then the step's own. */
const stepLines = (log: string) =>
  log
    .split("\n")
    .filter((l) => /^(line |stax: running in )/.test(l))
    .map((l) => `${l}\n`);

/** The worktrees git has registered for the workspace's repository (its own folder first). */
const worktrees = () =>
  execFileSync("git", ["worktree", "list", "--porcelain"], { cwd: WORKSPACE, encoding: "utf8" })
    .split("\n")
    .filter((l) => l.startsWith("worktree "));

test("kill -9 of the runner mid-run, ten times: each interrupted run is marked cancelled with every line it logged, older runs untouched, no worktree of its legs left registered", async () => {
  const home = tempDir("stax-crash-");
  let r = await spawnRunner(home, WORKSPACE);
  try {
    const old = await waitCompleted(r, (await api<WorkflowRun>(r, "POST", "/api/runs", { workflow: "two-jobs" })).id);
    const oldLog = await api<string>(r, "GET", `/api/runs/${old.id}/logs`);
    assert.equal(old.conclusion, "success");
    const interrupted: { id: string; seen: string[] }[] = [];
    for (let round = 1; round <= 10; round++) {
      const s = await openStream(r.url, "/api/events");
      const run = await api<WorkflowRun>(r, "POST", "/api/runs", {
        workflow: "chatty",
        inputs: { lines: "100000", every: "50", pause: "10" },
      });
      const target = 100 + round * 37;
      await s.waitFor((f) => f.event === "step.log" && (f.data as { line: string }).line === `line ${target}\n`);
      r.child.kill("SIGKILL");
      await r.exited;
      await s.closed;
      // Every line a client saw was committed before it was sent, so all of them must survive.
      const seen = s
        .events()
        .filter((e) => e.type === "step.log" && e.runId === run.id)
        .map((e) => (e.data as { line: string }).line);
      assert.ok(seen.length >= target);
      interrupted.push({ id: run.id, seen });

      // The workspace's own, the run's sandbox (a worktree of HEAD) and its leg's checkout.
      assert.equal(worktrees().length, 3, `round ${round}: the killed run's sandbox and leg had a worktree each`);
      r = await spawnRunner(home, WORKSPACE);
      assert.deepEqual(
        worktrees(),
        [`worktree ${WORKSPACE}`],
        `round ${round}: the restart removed the killed leg's worktree`,
      );
      const after = await api<WorkflowRun>(r, "GET", `/api/runs/${run.id}`);
      assert.equal(after.status, "completed", `round ${round}`);
      assert.equal(after.conclusion, "cancelled");
      assert.ok(after.completedAt);
      assert.deepEqual(
        after.jobs.map((j) => [j.status, j.conclusion]),
        [["completed", "cancelled"]],
      );
      assert.deepEqual(
        after.jobs[0].steps.map((st) => [st.status, st.conclusion]),
        [["completed", "cancelled"]],
      );
      const log = await api<string>(r, "GET", `/api/runs/${run.id}/logs`);
      const lines = stepLines(log);
      assert.deepEqual(
        lines.slice(0, seen.length),
        seen,
        `round ${round}: every line seen before the crash is kept, in order`,
      );
      assert.ok(log.endsWith(INTERRUPTED_LINE), `round ${round}: the log says the runner stopped`);
      const replay = await openStream(r.url, `/api/events?since=0&runId=${run.id}`);
      await replay.waitFor((f) => f.event === "run.completed");
      replay.close();
      const ids = replay.events().map((e) => e.id);
      assert.equal(new Set(ids).size, ids.length, "a replay of the interrupted run has no event twice");
    }
    // Older runs, the first one and every earlier round's, are exactly as they were.
    const { lastEventId: _now, ...oldNow } = await api<WorkflowRun & { lastEventId: number }>(
      r,
      "GET",
      `/api/runs/${old.id}`,
    );
    const { lastEventId: _then, ...oldThen } = old as WorkflowRun & { lastEventId?: number };
    assert.deepEqual(oldNow, oldThen);
    assert.equal(await api<string>(r, "GET", `/api/runs/${old.id}/logs`), oldLog);
    for (const { id, seen } of interrupted.slice(0, -1)) {
      const log = await api<string>(r, "GET", `/api/runs/${id}/logs`);
      assert.equal(log.split(INTERRUPTED_LINE).length, 2, "recovered once, not again at each start");
      assert.ok(stepLines(log).length >= seen.length);
    }
    const runs = await api<WorkflowRun[]>(r, "GET", "/api/runs?limit=100");
    assert.equal(runs.length, 11);
    assert.deepEqual(
      runs.map((x) => x.number),
      [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
      "numbers continue after each crash",
    );
    // The runner still runs workflows after all that.
    const fresh = await waitCompleted(r, (await api<WorkflowRun>(r, "POST", "/api/runs", { workflow: "two-jobs" })).id);
    assert.equal(fresh.conclusion, "success");
    assert.equal(fresh.number, 12);
  } finally {
    r.child.kill("SIGTERM");
    await r.exited;
  }
});

test("a runner started while an in-process `stax run` of the workspace is going leaves that run alone (no false crash recovery); a cancel through the runner reaches it through the store", async () => {
  const home = tempDir("stax-owner-");
  const local = spawn(process.execPath, [STAX_BIN, "run", "slow", "--workspace", WORKSPACE], {
    env: { ...process.env, STAX_HOME: home, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Listened for from the start: the process may end before the test gets to wait for it.
  const closed = new Promise<number | null>((res) => local.once("close", res));
  let out = "";
  local.stdout.on("data", (d: Buffer) => (out += d.toString()));
  let r: ChildRunner | undefined;
  try {
    await until(
      () => `stax run to start (its output: ${out})`,
      () => (out.includes("started") ? true : undefined),
      15_000,
      50,
    );
    r = await spawnRunner(home, WORKSPACE);
    const [run] = await api<WorkflowRun[]>(r, "GET", "/api/runs");
    assert.equal(run.status, "in_progress", "the in-process run is not taken for an interrupted one");
    const cancel = await api<WorkflowRun>(r, "POST", `/api/runs/${run.id}/cancel`, {});
    assert.equal(cancel.id, run.id);
    const code = await closed;
    assert.equal(code, 1, "the in-process run ended cancelled");
    assert.equal((await waitCompleted(r, run.id)).conclusion, "cancelled");
  } finally {
    local.kill("SIGKILL");
    r?.child.kill("SIGTERM");
    await r?.exited;
  }
});
