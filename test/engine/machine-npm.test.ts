/**
 * npm's machine-wide configuration is asked of the machine's npm once and kept in the tool cache
 * while what decides it stays the same: asking costs ~200 ms of CPU on every `stax run`.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { tempDir } from "../helpers/temp.js";

const REGISTRY = resolve(import.meta.dirname, "..", "..", "src", "engine", "tools", "registry.ts");

test("the machine npm's globalconfig is asked once, then read from the tool cache until the user's npmrc changes", () => {
  const bin = tempDir("stax-fake-npm-");
  const home = tempDir("stax-home-");
  const cache = tempDir("stax-tools-");
  const calls = join(bin, "calls");
  // A stand-in for the machine's npm that counts how often it is asked.
  writeFileSync(join(bin, "npm"), `#!/bin/sh\necho asked >> "${calls}"\necho /etc/machine-npmrc\n`);
  chmodSync(join(bin, "npm"), 0o755);
  writeFileSync(join(home, ".npmrc"), "fund=false\n");
  const env = { PATH: `${bin}:/usr/bin:/bin`, HOME: home };
  const ask = () =>
    execFileSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "-e",
        `import(${JSON.stringify(REGISTRY)}).then(async (m) => console.log(JSON.stringify(await m.machineNpmConfig(${JSON.stringify(env)}, ${JSON.stringify(cache)}))))`,
      ],
      { encoding: "utf8" },
    ).trim();
  const asked = () => readFileSync(calls, "utf8").split("\n").filter(Boolean).length;

  assert.equal(ask(), JSON.stringify({ npm_config_globalconfig: "/etc/machine-npmrc" }));
  assert.equal(ask(), JSON.stringify({ npm_config_globalconfig: "/etc/machine-npmrc" }));
  assert.equal(asked(), 1, "the second process read the answer the first one kept");
  utimesSync(join(home, ".npmrc"), new Date(), new Date(Date.now() + 5_000));
  ask();
  assert.equal(asked(), 2, "a changed ~/.npmrc (it may set prefix) asks again");
});
