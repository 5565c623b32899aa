/**
 * The tool cache against a registry of its own (test/helpers/fake-registry.ts on 127.0.0.1):
 * the machine's real npm asks it for metadata and tarballs, as it would ask the public registry.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { nodePackage } from "../../src/engine/tools/node-registry.js";
import { providePnpm } from "../../src/engine/tools/pnpm-tool.js";
import { fetchPackage } from "../../src/engine/tools/registry.js";
import { conclusions, runFixture } from "../helpers/engine.js";
import { fakeRegistry, type FakePackage } from "../helpers/fake-registry.js";
import { fixtureCopy, shellEnv, tempDir, until } from "../helpers/temp.js";

/** What stax's own npm calls run with: the fake registry, and an npm cache and HOME of the test's own. */
export function registryEnv(url: string): Record<string, string> {
  const home = tempDir("stax-reg-home-");
  return {
    ...(shellEnv() as Record<string, string>),
    HOME: home,
    npm_config_registry: url,
    npm_config_cache: join(home, ".npm"),
    npm_config_update_notifier: "false",
  };
}

const pnpm = (version: string): FakePackage => ({
  name: "pnpm",
  version,
  files: { "bin/pnpm.cjs": `console.log(${JSON.stringify(version)})`, "bin/pnpx.cjs": "" },
  bin: { pnpm: "bin/pnpm.cjs", pnpx: "bin/pnpx.cjs" },
});

test("pnpm/action-setup takes a published pre-release by its exact version (packageManager pnpm@10.14.0-0), while a range still picks among releases", async () => {
  const reg = await fakeRegistry([pnpm("10.13.1"), pnpm("10.14.0-0"), pnpm("10.14.0-1")]);
  try {
    const toolCache = tempDir("stax-tools-");
    const o = { pathValue: "/usr/bin:/bin", toolCache, env: registryEnv(reg.url), cwd: toolCache, log: () => {} };
    const pre = await providePnpm("10.14.0-0", o);
    assert.ok(pre.ok, pre.ok ? "" : pre.error);
    assert.equal(pre.value.version, "10.14.0-0");
    assert.equal(
      execFileSync(pre.value.exe, ["--version"], {
        encoding: "utf8",
        env: { ...process.env, PATH: `${process.execPath.replace(/\/node$/, "")}:/usr/bin:/bin` },
      }).trim(),
      "10.14.0-0",
    );
    // Now in the tool cache: found there again, with the registry gone.
    await reg.close();
    const again = await providePnpm("10.14.0-0", { ...o, env: registryEnv("http://127.0.0.1:9/") });
    assert.ok(again.ok && again.value.from === "the stax tool cache", JSON.stringify(again));
  } finally {
    await reg.close().catch(() => {});
  }
  const reg2 = await fakeRegistry([pnpm("10.13.1"), pnpm("10.14.0-0")]);
  try {
    const toolCache = tempDir("stax-tools-");
    const range = await providePnpm("10", {
      pathValue: "/usr/bin:/bin",
      toolCache,
      env: registryEnv(reg2.url),
      cwd: toolCache,
      log: () => {},
    });
    assert.ok(range.ok && range.value.version === "10.13.1", JSON.stringify(range));
  } finally {
    await reg2.close();
  }
});

/** The machine's own npm entry point: the fake npm releases below hand every command but `-v` to it. */
const MACHINE_NPM_CLI = realpathSync(execFileSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).trim());

/**
 * Node 14.21.3 as the registry's package has it (bin/node alone). Its `node` is a stand-in: it
 * reports v14.21.3 and hands everything else to the Node running this test, since a real Node 14
 * build would have to come from the public registry.
 */
const node14: FakePackage = {
  name: nodePackage(),
  version: "14.21.3",
  files: {
    "bin/node": `#!/bin/sh\ncase "$1" in -v|--version) echo v14.21.3; exit 0 ;; esac\nexec "${process.execPath}" "$@"\n`,
  },
  executables: ["bin/node"],
  time: "2023-02-16T00:00:00Z",
};
/** A Node build of `version` published at `time`, the same stand-in as Node 14 above. */
const nodeBuild = (version: string, time: string): FakePackage => ({
  ...node14,
  version,
  time,
  files: { "bin/node": node14.files["bin/node"].replaceAll("v14.21.3", `v${version}`) },
});

/** An npm release that says its version and hands the rest to the machine's npm. */
const npm = (version: string, node: string): FakePackage => ({
  name: "npm",
  version,
  files: {
    "bin/npm-cli.js": `#!/usr/bin/env node\nif (["-v", "--version"].includes(process.argv[2])) console.log(${JSON.stringify(version)});\nelse require(${JSON.stringify(MACHINE_NPM_CLI)});\n`,
    "bin/npx-cli.js": "#!/usr/bin/env node\n",
  },
  bin: { npm: "bin/npm-cli.js", npx: "bin/npx-cli.js" },
  engines: { node },
});
/**
 * corepack lists yarn and pnpm shims among its bins too; a release links only `corepack`. Its
 * `enable` does what corepack's does: a `pnpm` shim beside the `corepack` found first on the PATH.
 */
const COREPACK_JS = `#!/usr/bin/env node
const { execSync } = require("node:child_process");
const { dirname, join } = require("node:path");
if (process.argv[2] === "enable") {
  const dir = dirname(execSync("command -v corepack", { shell: "/bin/sh" }).toString().trim());
  require("node:fs").writeFileSync(join(dir, "pnpm"), "#!/bin/sh\\necho pnpm by corepack\\n", { mode: 0o755 });
}
`;
const corepack = (version: string, node: string): FakePackage => ({
  name: "corepack",
  version,
  files: { "dist/corepack.js": COREPACK_JS, "dist/yarn.js": "" },
  bin: { corepack: "dist/corepack.js", yarn: "dist/yarn.js" },
  engines: { node },
});

/** A registry with Node 14 and npm releases of three majors: the newest that accepts Node 14 is 9.x, the one Node 14 shipped 6.x. */
const NODE_REGISTRY = [
  node14,
  npm("6.14.17", "6 >=6.2.0 || 8 || >=9.3.0"),
  npm("6.14.18", "6 >=6.2.0 || 8 || >=9.3.0"),
  npm("9.9.4", "^14.17.0 || ^16.13.0 || >=18.0.0"),
  npm("11.6.0", "^20.17.0 || >=22.9.0"),
  corepack("0.10.0", ">=14.14.0"),
  corepack("0.36.0", "^18.17.1 || ^20.10.0 || >=22.11.0"),
];

const installedMajor = Number(process.versions.node.split(".")[0]);

test(
  "setup-node puts the npm a Node shipped with beside it: two Node 14 legs print npm -v 6.14.18 (not the machine's npm, nor npm 9 whose engines also accept 14), with npx and corepack, after one download between them; corepack enable writes into the job, not the tool cache",
  { skip: installedMajor === 14 && "Node 14 is the installed one" },
  async () => {
    const reg = await fakeRegistry(NODE_REGISTRY);
    try {
      const toolCache = tempDir("stax-tools-");
      const r = await runFixture(fixtureCopy("tools"), "npm-per-node.yml", {
        toolCache,
        hostEnv: registryEnv(reg.url),
      });
      assert.deepEqual(Object.values(conclusions(r.run)), ["success", "success"], r.log);
      assert.match(r.log, /leg a: node v14\.21\.3 npm 6\.14\.18/);
      assert.match(r.log, /leg b: node v14\.21\.3 npm 6\.14\.18/);
      assert.match(r.log, /npm 6\.14\.18 beside Node 14\.21\.3 \(npm 6, as Node 14\.21\.3 shipped\)/);
      // Concurrent legs share one download of each package.
      assert.equal(r.log.match(new RegExp(`Downloading ${nodePackage()}@14\\.21\\.3`, "g"))?.length, 1, r.log);
      assert.equal(r.log.match(/Downloading npm@6\.14\.18/g)?.length, 1, r.log);
      assert.equal(reg.hits.get(`/${nodePackage()}/-/${nodePackage()}-14.21.3.tgz`), 1);
      // Kept with the Node in the tool cache, as a release lays it out.
      const root = join(toolCache, "node", "14.21.3", process.arch);
      assert.deepEqual(readdirSync(join(root, "bin")).sort(), ["corepack", "node", "npm", "npx"]);
    } finally {
      await reg.close();
    }
  },
);

test(
  "host trust settings reach a step (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, SSL_CERT_DIR, ALL_PROXY), and a tool-cache Node's npm reads the machine npm's global config",
  { skip: installedMajor === 14 && "Node 14 is the installed one" },
  async () => {
    const reg = await fakeRegistry(NODE_REGISTRY);
    try {
      // The machine's npm keeps its global config under a prefix of its own (PREFIX, as npm reads it), not under the tool cache's Node.
      const machine = tempDir("stax-machine-npm-");
      mkdirSync(join(machine, "etc"));
      writeFileSync(join(machine, "etc", "npmrc"), "init-author-name=from the machine's npmrc\n");
      const ca = join(machine, "ca.pem");
      writeFileSync(ca, "not a real certificate: steps only read the variable\n");
      const hostEnv = {
        ...registryEnv(reg.url),
        PREFIX: machine,
        NODE_EXTRA_CA_CERTS: ca,
        SSL_CERT_FILE: ca,
        SSL_CERT_DIR: dirname(ca),
        ALL_PROXY: "http://127.0.0.1:9",
      };
      const r = await runFixture(fixtureCopy("tools"), "trust.yml", { toolCache: tempDir("stax-tools-"), hostEnv });
      assert.equal(conclusions(r.run).trust, "success", r.log);
      assert.match(
        r.log,
        new RegExp(
          `NODE_EXTRA_CA_CERTS=${ca} SSL_CERT_FILE=${ca} SSL_CERT_DIR=${dirname(ca)} ALL_PROXY=http://127\\.0\\.0\\.1:9`,
        ),
      );
      assert.match(r.log, /globalconfig read: from the machine's npmrc/);
    } finally {
      await reg.close();
    }
  },
);

test("a job's npm install --global goes into a prefix of the job's own, first on its PATH, and the next run does not see it; the machine's npm prefix stays untouched", async () => {
  const ws = fixtureCopy("tools");
  // The user's npm is set up with a prefix of their own (on their PATH): a step must not install into it.
  const machinePrefix = tempDir("stax-user-prefix-");
  const hostEnv = {
    ...registryEnv("http://127.0.0.1:9/"),
    npm_config_prefix: machinePrefix,
    PATH: `${join(machinePrefix, "bin")}:${process.env.PATH}`,
  };
  const first = await runFixture(ws, "global-install.yml", { hostEnv });
  assert.equal(conclusions(first.run).install, "success", first.log);
  assert.match(first.log, /hello from a global install/);
  const later = await runFixture(ws, "global-gone.yml", { hostEnv });
  assert.equal(conclusions(later.run).later, "success", later.log);
  assert.deepEqual(readdirSync(machinePrefix), []);
});

test("a download another stax process holds the lock of is waited for, not made twice (runner and worker on one STAX_HOME)", async () => {
  const dest = join(tempDir("stax-tools-"), "node", "14.21.3", "x64");
  mkdirSync(`${dest}.lock`, { recursive: true });
  const lines: string[] = [];
  // The registry refuses: any download of its own would fail the call.
  const waiting = fetchPackage(`${nodePackage()}@14.21.3`, dest, "bin/node", registryEnv("http://127.0.0.1:9/"), (l) =>
    lines.push(l),
  );
  await until("the download to wait for the lock", () => (lines.length ? true : undefined), 30_000);
  // Once it says it waits (it found the lock), the other process finishes: its entry complete, its lock gone.
  mkdirSync(join(dest, "bin"), { recursive: true });
  writeFileSync(`${dest}.complete`, "");
  rmSync(`${dest}.lock`, { recursive: true });
  await waiting;
  assert.deepEqual(lines, [`${nodePackage()}@14.21.3 is being downloaded by another stax process; waiting for it`]);
});

test("lts/* through setup-node follows the release calendar by the run's clock: Node 24 in September 2026, Node 26 (first published in April) from October", async () => {
  const reg = await fakeRegistry([
    nodeBuild("24.11.0", "2025-10-28T00:00:00Z"),
    nodeBuild("25.2.0", "2025-11-11T00:00:00Z"),
    nodeBuild("26.0.0", "2026-04-22T00:00:00Z"),
    nodeBuild("26.3.1", "2026-11-20T00:00:00Z"),
    npm("11.6.0", "^20.17.0 || >=22.9.0"),
  ]);
  try {
    const ws = fixtureCopy("tools");
    const at = async (iso: string) => {
      const r = await runFixture(ws, "lts.yml", {
        toolCache: tempDir("stax-tools-"),
        hostEnv: registryEnv(reg.url),
        now: () => new Date(iso),
      });
      assert.equal(conclusions(r.run).lts, "success", r.log);
      return /lts\/\* is (\S+)/.exec(r.log)?.[1];
    };
    assert.equal(await at("2026-09-15T12:00:00Z"), "v24.11.0");
    assert.equal(await at("2026-12-07T12:00:00Z"), "v26.3.1");
  } finally {
    await reg.close();
  }
});
