/**
 * Issue 23 item 4, against the machine's real Docker engine: `stax run` killed with -9 mid-step
 * leaves its job container, service container and network (nothing can clean up after kill -9);
 * the next stax process to start on this machine (`stax run`, the runner) removes them, since
 * their `stax.owner` label names a process that is dead.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { hostname } from "node:os";
import { test } from "node:test";
import { realDocker, noEngine } from "../helpers/docker-leftovers.js";
import { spawnRunner, STAX_BIN } from "../helpers/runner.js";
import { fixtureCopy, tempDir } from "../helpers/temp.js";

const skip = await noEngine();

interface Owned {
  containers: string[];
  networks: string[];
}

/** What the engine holds that names `pid` (of this host) as its owner. */
async function ownedBy(pid: number): Promise<Owned> {
  const f = encodeURIComponent(JSON.stringify({ label: ["stax.owner"] }));
  const mine = (x: { Labels?: Record<string, string> | null }) =>
    (x.Labels?.["stax.owner"] ?? "").startsWith(`${hostname()}/${pid}/`);
  const containers = (
    await realDocker.call<{ Id: string; Labels: Record<string, string> }[]>(
      "GET",
      `/containers/json?all=true&filters=${f}`,
    )
  ).body
    .filter(mine)
    .map((c) => c.Id);
  const networks = (
    await realDocker.call<{ Id: string; Labels: Record<string, string> }[]>("GET", `/networks?filters=${f}`)
  ).body
    .filter(mine)
    .map((n) => n.Id);
  return { containers, networks };
}

const stax = (args: string[], env: Record<string, string>): ChildProcess =>
  spawn(process.execPath, [STAX_BIN, ...args], {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });

/** Starts the container workflow with `stax run`, kills it with -9 once its step runs, and returns what it left. */
async function killMidStep(workspace: string, env: Record<string, string>): Promise<{ pid: number; left: Owned }> {
  const child = stax(["run", "container cancel", "-w", workspace], env);
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  for (const t = Date.now(); !out.includes("started in"); await new Promise((r) => setTimeout(r, 100))) {
    if (child.exitCode !== null || Date.now() - t > 120_000)
      throw new Error(`the container step did not start:\n${out}`);
  }
  const exited = new Promise((r) => child.on("exit", r));
  child.kill("SIGKILL");
  await exited;
  return { pid: child.pid!, left: await ownedBy(child.pid!) };
}

test(
  "after kill -9 of stax run mid-step, the next stax run removes the job container, the service container and the network it left",
  { skip },
  async () => {
    const workspace = fixtureCopy("docker-life");
    const env = { STAX_HOME: tempDir("stax-reap-home-") };
    const { pid, left } = await killMidStep(workspace, env);
    assert.equal(left.containers.length, 2, "the job container and the service are left after kill -9");
    assert.equal(left.networks.length, 1, "and the job's network");
    const next = stax(["run", "quick", "-w", workspace], env);
    let out = "";
    next.stdout!.on("data", (d) => (out += d));
    next.stderr!.on("data", (d) => (out += d));
    assert.equal(await new Promise((r) => next.on("exit", r)), 0, out);
    assert.deepEqual(await ownedBy(pid), { containers: [], networks: [] });
  },
);

test(
  "after kill -9 of stax run mid-step, a runner starting on the machine removes what it left",
  { skip },
  async () => {
    const workspace = fixtureCopy("docker-life");
    const home = tempDir("stax-reap-home-");
    const { pid, left } = await killMidStep(workspace, { STAX_HOME: home });
    assert.equal(left.containers.length, 2);
    const runner = await spawnRunner(tempDir("stax-reap-runner-"), workspace);
    try {
      assert.deepEqual(await ownedBy(pid), { containers: [], networks: [] });
    } finally {
      runner.child.kill("SIGTERM");
      await runner.exited;
    }
  },
);
