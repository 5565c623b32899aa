/**
 * The tool cache against a registry of its own (test/helpers/fake-registry.ts on 127.0.0.1):
 * the machine's real npm asks it for metadata and tarballs, as it would ask the public registry.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { providePnpm } from "../../src/engine/tools/pnpm-tool.js";
import { fakeRegistry, type FakePackage } from "../helpers/fake-registry.js";
import { tempDir } from "../helpers/temp.js";

/** What stax's own npm calls run with: the fake registry, and an npm cache and HOME of the test's own. */
export function registryEnv(url: string): Record<string, string> {
  const home = tempDir("stax-reg-home-");
  return { ...(process.env as Record<string, string>), HOME: home, npm_config_registry: url, npm_config_cache: join(home, ".npm"), npm_config_update_notifier: "false" };
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
    assert.equal(execFileSync(pre.value.exe, ["--version"], { encoding: "utf8", env: { ...process.env, PATH: `${process.execPath.replace(/\/node$/, "")}:/usr/bin:/bin` } }).trim(), "10.14.0-0");
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
    const range = await providePnpm("10", { pathValue: "/usr/bin:/bin", toolCache, env: registryEnv(reg2.url), cwd: toolCache, log: () => {} });
    assert.ok(range.ok && range.value.version === "10.13.1", JSON.stringify(range));
  } finally {
    await reg2.close();
  }
});
