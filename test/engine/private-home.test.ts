/**
 * A step that writes `~/.npmrc` or `~/.gitconfig` changes the user's machine, as the README
 * says; with a private HOME (`STAX_PRIVATE_HOME`, `stax run --private-home`) it changes the job's
 * copy, which starts from the user's files.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { conclusions, runFixture } from "../helpers/engine.js";
import { fixtureCopy, shellEnv, tempDir } from "../helpers/temp.js";

/** A user's HOME with npm and git configuration of their own. */
function userHome(): { home: string; npmrc: string; gitconfig: string } {
  const home = tempDir("stax-user-home-");
  const npmrc = "init-license=seeded-from-user\n";
  const gitconfig = "[user]\n\temail = user@example.invalid\n";
  writeFileSync(join(home, ".npmrc"), npmrc, { mode: 0o600 });
  writeFileSync(join(home, ".gitconfig"), gitconfig);
  return { home, npmrc, gitconfig };
}

const hostEnv = (home: string) => ({
  ...shellEnv(),
  HOME: home,
  XDG_CONFIG_HOME: join(home, ".config"),
  npm_config_registry: "http://127.0.0.1:9/",
  npm_config_update_notifier: "false",
});

test("by default a step's npm config set and git config --global write the user's own ~/.npmrc and ~/.gitconfig (what the README warns of)", async () => {
  const u = userHome();
  const r = await runFixture(fixtureCopy("tools"), "user-config.yml", { hostEnv: hostEnv(u.home) });
  assert.equal(conclusions(r.run).config, "success", r.log);
  assert.match(readFileSync(join(u.home, ".npmrc"), "utf8"), /init-author-name=set by a step/);
  assert.match(readFileSync(join(u.home, ".gitconfig"), "utf8"), /name = set by a step/);
});

test("with a private HOME the job's steps start from the user's ~/.npmrc and ~/.gitconfig, their writes last for the job, and the user's files stay as they were", async () => {
  const u = userHome();
  const r = await runFixture(fixtureCopy("tools"), "user-config.yml", { hostEnv: hostEnv(u.home), privateHome: true });
  assert.equal(conclusions(r.run).config, "success", r.log);
  assert.match(r.log, /seeded: seeded-from-user \/ user@example\.invalid/);
  assert.match(r.log, /later step sees: set by a step/);
  const home = /home: (\S+)/.exec(r.log)?.[1] ?? "";
  assert.notEqual(home, u.home);
  assert.match(home, /_stax_tools\/home$/);
  assert.equal(readFileSync(join(u.home, ".npmrc"), "utf8"), u.npmrc);
  assert.equal(readFileSync(join(u.home, ".gitconfig"), "utf8"), u.gitconfig);
});

test("under an npm script, whose npm_config_userconfig names the user's file, a private HOME starts from that file and the job's writes leave it as it was", async () => {
  const u = userHome();
  const named = join(u.home, "npmrc-named-by-npm");
  writeFileSync(named, "init-license=from-the-named-file\n", { mode: 0o600 });
  const r = await runFixture(fixtureCopy("tools"), "user-config.yml", {
    hostEnv: { ...hostEnv(u.home), npm_config_userconfig: named },
    privateHome: true,
  });
  assert.equal(conclusions(r.run).config, "success", r.log);
  assert.match(r.log, /seeded: from-the-named-file \//);
  assert.match(r.log, /later step sees: set by a step/);
  assert.equal(readFileSync(named, "utf8"), "init-license=from-the-named-file\n");
  assert.equal(readFileSync(join(u.home, ".npmrc"), "utf8"), u.npmrc);
});
