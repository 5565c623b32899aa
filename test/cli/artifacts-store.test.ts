import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fixtureWorkspace } from "../helpers/engine.js";
import { tempDir } from "../helpers/temp.js";

const STAX = resolve(import.meta.dirname, "..", "..", "bin", "stax");
const WS = fixtureWorkspace("runner-api");

test("stax artifacts lists and downloads from the store when no runner is running, like runs, show and log", () => {
  const home = tempDir("stax-art-home-");
  // A port nothing serves: the CLI must not need a runner.
  const env = { ...process.env, STAX_HOME: home, STAX_WORKSPACE: "", RUNNER_URL: "", STAX_PORT: "9", NO_COLOR: "1" };
  const stax = (...args: string[]) =>
    spawnSync(process.execPath, [STAX, ...args, "-w", WS], { env, encoding: "utf8", timeout: 60_000 });
  const run = stax("run", "artifacts");
  assert.equal(run.status, 0, run.stdout + run.stderr);
  const list = stax("artifacts", "last");
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /^report {2}7 bytes {2}text\/plain/m);
  assert.match(list.stdout, /^site {2}\d+ bytes {2}application\/zip/m);
  const out = tempDir("stax-art-out-");
  assert.equal(stax("artifacts", "last", "report", "-o", out).status, 0);
  assert.equal(readFileSync(join(out, "report.txt"), "utf8"), "report\n");
  const site = stax("artifacts", "last", "site", "-o", out);
  assert.equal(site.status, 0, site.stderr);
  const names = execFileSync(
    "python3",
    [
      "-c",
      "import sys,zipfile; print('\\n'.join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))",
      join(out, "site.zip"),
    ],
    { encoding: "utf8" },
  );
  assert.deepEqual(names.trim().split("\n"), ["index.html", "sub/a.txt"]);
  const missing = stax("artifacts", "last", "nope", "-o", out);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /has no artifact 'nope'/);
});
