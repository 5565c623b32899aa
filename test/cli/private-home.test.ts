/**
 * `stax run --private-home` and `STAX_PRIVATE_HOME=1` (for `stax run` and a runner), as a user gives them: a step's
 * `npm config set` and `git config --global` stay in the job's HOME; the user's files do not change.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { startTestRunner } from "../helpers/runner.js";
import { fixtureCopy, shellEnv, tempDir } from "../helpers/temp.js";

const STAX = resolve(import.meta.dirname, "..", "..", "bin", "stax");

function stax(ws: string, args: string[], env: Record<string, string>): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [STAX, ...args], {
    cwd: ws,
    encoding: "utf8",
    env: {
      ...shellEnv(),
      STAX_WORKSPACE: "",
      RUNNER_URL: "",
      NO_COLOR: "1",
      STAX_HOME: tempDir("stax-home-"),
      npm_config_registry: "http://127.0.0.1:9/",
      npm_config_update_notifier: "false",
      ...env,
    },
    timeout: 300_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function userHome(): string {
  const home = tempDir("stax-user-home-");
  writeFileSync(join(home, ".npmrc"), "init-license=seeded-from-user\n");
  writeFileSync(join(home, ".gitconfig"), "[user]\n\temail = user@example.invalid\n");
  return home;
}

for (const [how, args, env] of [
  ["stax run --private-home", ["--private-home"], {}],
  ["STAX_PRIVATE_HOME=1", [], { STAX_PRIVATE_HOME: "1" }],
] as const) {
  test(`${how}: the job's steps see the user's npm and git settings, and their writes leave ~/.npmrc and ~/.gitconfig as they were`, () => {
    const home = userHome();
    const ws = fixtureCopy("tools");
    const r = stax(ws, ["run", "user-config", "-w", ws, ...args], {
      HOME: home,
      XDG_CONFIG_HOME: join(home, ".config"),
      ...env,
    });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /seeded: seeded-from-user \/ user@example\.invalid/);
    assert.match(r.out, /later step sees: set by a step/);
    assert.equal(readFileSync(join(home, ".npmrc"), "utf8"), "init-license=seeded-from-user\n");
    assert.equal(readFileSync(join(home, ".gitconfig"), "utf8"), "[user]\n\temail = user@example.invalid\n");
  });
}

test("STAX_PRIVATE_HOME with a value that is not true or false is refused before anything runs", () => {
  const ws = fixtureCopy("tools");
  const r = stax(ws, ["run", "user-config", "-w", ws], { HOME: userHome(), STAX_PRIVATE_HOME: "maybe" });
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /STAX_PRIVATE_HOME must be true or false, got 'maybe'/);
});

test("a runner started with STAX_PRIVATE_HOME=1 gives the steps of a run posted to its API a private HOME; the user's files stay as they were", async () => {
  const home = userHome();
  const r = await startTestRunner({
    workspace: fixtureCopy("tools"),
    env: { STAX_PRIVATE_HOME: "1" },
    hostEnv: {
      ...shellEnv(),
      HOME: home,
      XDG_CONFIG_HOME: join(home, ".config"),
      npm_config_registry: "http://127.0.0.1:9/",
      npm_config_update_notifier: "false",
    },
  });
  try {
    const run = await r.runToEnd("user-config");
    const log = (await r.json<string>("GET", `/api/runs/${run.id}/logs`)).body;
    assert.equal(run.conclusion, "success", log);
    assert.match(log, /seeded: seeded-from-user \/ user@example\.invalid/);
    assert.equal(readFileSync(join(home, ".npmrc"), "utf8"), "init-license=seeded-from-user\n");
    assert.equal(readFileSync(join(home, ".gitconfig"), "utf8"), "[user]\n\temail = user@example.invalid\n");
  } finally {
    await r.close();
  }
});
