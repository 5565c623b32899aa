/**
 * One place builds what a machine gives a run (runner, `stax run`) and a leg (`stax worker`):
 * `machineHost` once per process, `storeHost` per workspace, `hostOptions` per run or leg.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import { test } from "node:test";
import { loadConfig } from "../../src/config/config.js";
import { hostOptions, machineHost, runHost, storeHost } from "../../src/host/launch.js";
import { reapProcessGroups } from "../../src/host/process-groups.js";
import { openStore } from "../../src/store/index.js";
import { tempDir } from "../helpers/temp.js";

const setUp = () => {
  const home = tempDir("stax-host-");
  const config = loadConfig(
    { STAX_HOME: home, STAX_MAX_JOBS: "3", STAX_PRIVATE_HOME: "1" },
    { workspace: tempDir("stax-host-ws-") },
  );
  return { config, store: openStore(config.dataDir), workDir: join(home, "worker", "w1") };
};

test("a worker's leg gets the same machine services as a runner's run, from one machine host", async () => {
  const { config, store, workDir } = setUp();
  const env = { GITHUB_TOKEN: "t", PATH: "/usr/bin" };
  const machine = machineHost(config, env);
  const run = hostOptions(runHost(config, store, env), "run1");
  const leg = hostOptions(
    storeHost(machine, store, { dataDir: workDir, cacheDir: join(workDir, "cache", "ws"), sharedCache: true }),
    "run1-leg1",
  );
  for (const key of ["hostEnv", "toolCache", "privateHome", "cacheLimits"] as const)
    assert.deepEqual(leg[key], run[key], key);
  assert.equal(leg.privateHome, true);
  assert.equal(leg.toolCache, join(config.home, "tools"));
  assert.equal(leg.actions?.cache, config.actionsCache);
  assert.ok(leg.actions?.fetch, "a leg fetches missing actions into the machine's action cache, as a run does");
  assert.equal(leg.docker, machine.docker, "every leg of a worker talks to the one Docker engine it pinged at start");
  assert.ok(leg.artifacts && leg.sharedCache, "a leg's artifacts and cache entries go to its workspace's store");
  assert.equal(leg.cacheDir, join(workDir, "cache", "ws"));
  assert.equal(leg.legSlots, undefined, "a worker's slots cap its legs, not the runner's leg slots");
  await store.close();
});

test("a runner's run shares the process's leg slots and keeps its cache entries on this machine only", async () => {
  const { config, store } = setUp();
  const run = hostOptions(runHost(config, store, {}), "run1", { "actions/checkout": "/somewhere" });
  assert.equal(run.legSlots?.size, 3);
  assert.equal(run.sharedCache, undefined);
  assert.equal(run.cacheDir, join(config.dataDir, "cache"));
  assert.deepEqual(run.actions?.overrides, { "actions/checkout": "/somewhere" });
  await store.close();
});

test("a leg's shared cache lists the entries its workspace's store holds", async () => {
  const { config, store, workDir } = setUp();
  const host = storeHost(machineHost(config, {}), store, {
    dataDir: workDir,
    cacheDir: join(workDir, "cache", "ws"),
    sharedCache: true,
  });
  await store.blobs.put("cache/entry1/meta.json", Buffer.from(JSON.stringify({ key: "k" })));
  assert.deepEqual([...(await host.sharedCache!.entries())], [["entry1", { key: "k" }]]);
  await store.close();
});

test("a leg's process groups are recorded where a worker starting again on its work folder reaps them", async () => {
  const { config, store, workDir } = setUp();
  const host = storeHost(machineHost(config, {}), store, { dataDir: workDir, cacheDir: join(workDir, "cache", "ws") });
  const child = spawn("sleep", ["600"], { detached: true, stdio: "ignore" });
  const exited = once(child, "exit");
  try {
    hostOptions(host, "run1-leg1").processes!.started(child.pid!, "");
    assert.ok(existsSync(join(workDir, "pgroups", `run1-leg1.${child.pid}`)));
    // As cleanUpAfterCrash does: no live worker holds the leg.
    assert.equal(await reapProcessGroups(workDir, () => false), 1);
    const [, signal] = await exited;
    assert.equal(signal, "SIGKILL");
  } finally {
    child.kill("SIGKILL");
    await store.close();
  }
});
