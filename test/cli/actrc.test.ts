/**
 * act's `.actrc` files for `stax run`: the flags stax shares with act are taken under stax's names,
 * before the command line's; `-P LABEL=IMAGE` is `--platform LABEL=IMAGE`; act's other Docker flags are left out.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { actrcArgs, withActrc } from "../../src/cli/actrc.js";
import { FixtureRepo, shown } from "../helpers/git-repo.js";
import { tempDir } from "../helpers/temp.js";

test("an .actrc line is a flag and its value split at the first space, or --flag=value; $VARS expand; act's -e is --eventpath; -P LABEL=IMAGE is --platform; act's other Docker flags are left out", () => {
  const text = [
    "-P ubuntu-latest=catthehacker/ubuntu:act-latest",
    "-P self=-self-hosted",
    "  --secret-file   my secrets.env  ",
    "--var=REGION=${REGION_FROM_ENV}",
    "-s TOKEN=$TOKEN_FROM_ENV",
    "-e event.json",
    "--container-architecture linux/amd64",
    "--bind",
    "# a comment-like line is not a flag",
    "",
  ].join("\n");
  assert.deepEqual(actrcArgs(text, { REGION_FROM_ENV: "eu", TOKEN_FROM_ENV: "t0k" }), [
    "--platform",
    "ubuntu-latest=catthehacker/ubuntu:act-latest",
    "--platform",
    "self=host",
    "--secret-file",
    "my secrets.env",
    "--var",
    "REGION=eu",
    "--secret",
    "TOKEN=t0k",
    "--eventpath",
    "event.json",
    "--bind",
  ]);
});

test("withActrc reads ~/.actrc, the XDG one and ./.actrc in act's order, only for `stax run` (after --database too), and masks secrets in what it says", () => {
  const home = tempDir("stax-actrc-home-");
  const cwd = tempDir("stax-actrc-cwd-");
  const xdg = join(home, "xdg");
  mkdirSync(xdg);
  writeFileSync(join(home, ".actrc"), "--var A=home\n");
  writeFileSync(join(xdg, ".actrc"), "--var A=xdg\n");
  writeFileSync(join(cwd, ".actrc"), "-s T=secret-value\n--var A=here\n");
  const env = { XDG_CONFIG_HOME: xdg };
  const r = withActrc(["node", "stax", "--database", "postgres://x", "run", "ci", "--var", "A=cli"], cwd, env, home);
  assert.deepEqual(r.argv, [
    "node",
    "stax",
    "--database",
    "postgres://x",
    "run",
    "--var",
    "A=home",
    "--var",
    "A=xdg",
    "--secret",
    "T=secret-value",
    "--var",
    "A=here",
    "ci",
    "--var",
    "A=cli",
  ]);
  assert.equal(r.said.length, 3);
  assert.match(r.said[2], /\.actrc: --secret T=\*\*\* --var A=here \(act's \.actrc\)$/);
  assert.ok(!r.said.join("\n").includes("secret-value"));
  assert.deepEqual(withActrc(["node", "stax", "runs"], cwd, env, home).argv, ["node", "stax", "runs"]);
});

test("stax run takes the project's .actrc: its secret file and variables reach the run, the command line's flags win", () => {
  const r = new FixtureRepo({
    ".github/workflows/d.yml": `on: push
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - run: echo "SHOW secret=\${{ secrets.TOKEN }} var=\${{ vars.REGION }} actor=\${{ github.actor }}"
`,
    "ci.secrets": "TOKEN=from-actrc-file\n",
    ".actrc": "-P ubuntu-latest=-self-hosted\n--secret-file ci.secrets\n--var REGION=eu\n-a octo\n",
  });
  const show = (args: string[]) => shown(r, ["d", ...args]);
  const plain = show([]);
  assert.equal(plain.line, "secret=*** var=eu actor=octo");
  assert.match(
    plain.stderr,
    /\.actrc: --platform ubuntu-latest=host --secret-file ci\.secrets --var REGION=eu --actor octo \(act's \.actrc\)/,
  );
  assert.equal(show(["--var", "REGION=us", "--actor", "me"]).line, "secret=*** var=us actor=me");
});
