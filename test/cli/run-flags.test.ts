import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { FixtureRepo, shown } from "../helpers/git-repo.js";

const WORKFLOW = `name: m
on:
  push:
  workflow_dispatch:
    inputs:
      who:
        type: string
        default: nobody
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "BUILD actor=\${{ github.actor }} who=\${{ inputs.who }} custom=\${{ github.event.custom }}"
  test:
    needs: build
    strategy:
      matrix:
        node: [18, 20, 22]
        os: [linux, mac]
    runs-on: ubuntu-latest
    steps:
      - name: leg
        run: echo "LEG \${{ matrix.node }}-\${{ matrix.os }} \${{ strategy.job-index }}/\${{ strategy.job-total }}"
  deploy:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: |
          echo deploy
          echo twice
`;

const repo = () =>
  new FixtureRepo({
    ".github/workflows/m.yml": WORKFLOW,
    ".github/workflows/other.yml":
      "on: pull_request\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo other\n",
  });

test("MAT-08: --matrix key:value runs only the matching legs, keeping their job-index and job-total; several values of a key are alternatives", () => {
  const r = repo();
  const out = r.stax(["run", "m", "--matrix", "node:20", "--matrix", "node:22", "--matrix", "os:linux"]);
  assert.equal(out.code, 0, out.stdout + out.stderr);
  const legs = [...out.stdout.matchAll(/\] +LEG (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
  assert.deepEqual(legs, ["20-linux 2/6", "22-linux 4/6"]);
  assert.match(out.stdout, /\] +deploy$/m);
  const bad = r.stax(["run", "m", "--matrix", "node"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--matrix expects key:value, got 'node'/);
  // A value no leg has: the matrix job is skipped, and so is what needs it.
  const none = r.stax(["run", "m", "--matrix", "node:99"]);
  assert.doesNotMatch(none.stdout, /LEG|\] +deploy$/m);
  assert.match(none.stdout, /test +skipped/);
});

test("-l lists the jobs the event would run with stage, needs and matrix legs, and runs nothing", () => {
  const r = repo();
  const out = r.stax(["run", "-l"]);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /^m \(\.github\/workflows\/m\.yml\) on push$/m);
  assert.match(out.stdout, /^ {2}0 +build +build +- +1$/m);
  assert.match(out.stdout, /^ {2}1 +test +test +build +6$/m);
  assert.match(out.stdout, /^ {2}2 +deploy +deploy +test +1$/m);
  assert.match(out.stdout, /skipped \.github\/workflows\/other\.yml: not triggered by push/);
  assert.doesNotMatch(out.stdout, /BUILD|Summary/);
  assert.match(r.stax(["run", "m", "--list", "--matrix", "os:mac"]).stdout, /^ {2}1 +test +test +build +3 of 6$/m);
  // A matrix built from vars is counted with the stored variables under --var.
  r.commit("vars matrix", {
    ".github/workflows/vm.yml":
      "on: push\njobs:\n  t:\n    strategy:\n      matrix:\n        v: ${{ fromJSON(vars.VERSIONS) }}\n    runs-on: x\n    steps:\n      - run: echo ${{ matrix.v }}\n",
  });
  r.stax(["var", "set", "VERSIONS", "[1, 2, 3]"]);
  assert.match(r.stax(["run", "vm", "-l"]).stdout, /^ {2}0 +t +t +- +3$/m);
  assert.match(r.stax(["run", "vm", "-l", "--var", "VERSIONS=[1]"]).stdout, /^ {2}0 +t +t +- +1$/m);
  assert.equal(r.stax(["runs", "--json"]).stdout.trim(), "[]");
});

test("-n prints the plan: jobs by stage with their legs and steps in order, executing nothing", () => {
  const r = repo();
  const out = r.stax(["run", "m", "-n", "--matrix", "os:mac"]);
  assert.equal(out.code, 0, out.stderr);
  const lines = out.stdout.split("\n");
  assert.equal(lines[0], "m (.github/workflows/m.yml) on push: 3 job(s), nothing executed");
  assert.equal(lines[1], "  [stage 0] build");
  assert.match(lines[2], /^ {6}1\. Run echo "BUILD actor=.* — run: echo "BUILD/);
  assert.equal(lines[3], "  [stage 1] test needs build, 3 leg(s): test (18, mac); test (20, mac); test (22, mac)");
  assert.match(lines[4], /^ {6}1\. leg — run: echo "LEG/);
  assert.equal(lines[5], "  [stage 2] deploy needs test");
  assert.equal(lines[6], "      1. Run actions/checkout@v4 — uses: actions/checkout@v4");
  assert.equal(lines[7], "      2. Run echo deploy — run: echo deploy … (2 lines)");
  assert.doesNotMatch(out.stdout, /Summary/);
});

test("--graph (-g, act's) draws the jobs as boxes by stage with arrows, legs and needs", () => {
  const r = repo();
  const out = r.stax(["run", "m", "--graph"]);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(r.stax(["run", "m", "-g"]).stdout, out.stdout);
  assert.equal(
    out.stdout,
    [
      "m (.github/workflows/m.yml) on push",
      "╭───────╮",
      "│ build │",
      "╰───────╯",
      "   │",
      "   ▼",
      "╭─────────╮",
      "│ test    │",
      "│ × 6     │",
      "│ ← build │",
      "╰─────────╯",
      "   │",
      "   ▼",
      "╭────────╮",
      "│ deploy │",
      "│ ← test │",
      "╰────────╯",
      "",
    ].join("\n"),
  );
});

test("--actor sets github.actor; --input-file reads inputs in dotenv syntax under --input; --eventpath is --event-file", () => {
  const r = repo();
  writeFileSync(join(r.home, "inputs.env"), "who=from-file\n");
  writeFileSync(join(r.home, "event.json"), JSON.stringify({ custom: "yes" }));
  const build = (args: string[]) =>
    r.stax(["run", "m", "-e", "workflow_dispatch", "-j", "build", ...args]).stdout.match(/\] +BUILD (.*)$/m)?.[1];
  assert.equal(
    build(["--actor", "octocat", "--input-file", join(r.home, "inputs.env")]),
    "actor=octocat who=from-file custom=",
  );
  assert.equal(
    build(["--input-file", join(r.home, "inputs.env"), "-i", "who=flag"]),
    "actor=Fixture-Author who=flag custom=",
  );
  assert.equal(build(["--eventpath", join(r.home, "event.json")]), "actor=Fixture-Author who=nobody custom=yes");
  const both = r.stax([
    "run",
    "m",
    "--eventpath",
    join(r.home, "event.json"),
    "--event-file",
    join(r.home, "inputs.env"),
  ]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--eventpath is another name for --event-file/);
});

test("act's default files: .secrets, .env, .vars and .input of the workspace are read when their flag is not given, each said once; a flag given, even '', wins", () => {
  const r = new FixtureRepo({
    ".github/workflows/d.yml": `on:
  workflow_dispatch:
    inputs:
      who:
        default: nobody
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - run: echo "SHOW secret=\${{ secrets.TOKEN }} env=$GREETING var=\${{ vars.REGION }} who=\${{ inputs.who }}"
`,
    ".secrets": "TOKEN=s3cr3t-value\n",
    ".env": "GREETING=hello\n",
    ".vars": "REGION=eu\n",
    ".input": "who=from-dot-input\n",
  });
  const show = (args: string[]) => shown(r, ["d", ...args]);
  const all = show([]);
  // The secret is masked like any other.
  assert.equal(all.line, "secret=*** env=hello var=eu who=from-dot-input");
  for (const [name, flag] of [
    [".secrets", "--secret-file"],
    [".env", "--env-file"],
    [".vars", "--var-file"],
    [".input", "--input-file"],
  ]) {
    assert.equal(
      all.stderr.split(`stax: reading ${name} as act does (${flag} ${name}; ${flag} '' reads none)`).length,
      2,
      all.stderr,
    );
  }
  writeFileSync(join(r.home, "other.env"), "GREETING=other\n");
  const chosen = show(["--env-file", join(r.home, "other.env"), "--secret-file", "", "--input-file", ""]);
  assert.equal(chosen.line, "secret= env=other var=eu who=nobody");
  assert.doesNotMatch(chosen.stderr, /reading \.env|reading \.secrets|reading \.input/);
});

test("ACT=true is in every step's environment and the env context, as act sets it, so `if: ${{ !env.ACT }}` skips publishing steps; --env ACT= clears it", () => {
  const r = new FixtureRepo({
    ".github/workflows/d.yml": `on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - if: \${{ !env.ACT }}
        run: echo PUBLISHED
      - run: echo "SHOW act=$ACT ctx=\${{ env.ACT }}"
`,
  });
  const local = r.stax(["run", "d"]);
  assert.equal(local.code, 0, local.stdout + local.stderr);
  assert.match(local.stdout, /SHOW act=true ctx=true/);
  assert.doesNotMatch(local.stdout, /\] +PUBLISHED/);
  const cleared = r.stax(["run", "d", "--env", "ACT="]);
  assert.match(cleared.stdout, /SHOW act= ctx=$/m);
  assert.match(cleared.stdout, /\] +PUBLISHED/);
});

test("stax log RUN --failed prints only the failed steps' logs, each job's header once", () => {
  const r = new FixtureRepo({
    ".github/workflows/f.yml": `on: push
jobs:
  good:
    runs-on: ubuntu-latest
    steps:
      - run: echo OK-LINE
  bad:
    runs-on: ubuntu-latest
    steps:
      - run: echo BEFORE
      - name: first failure
        run: echo BROKE-1; exit 1
      - name: second failure
        if: always()
        run: echo BROKE-2; exit 2
      - if: always()
        run: echo CLEAN
`,
  });
  assert.equal(r.stax(["run", "f"]).code, 1);
  const out = r.stax(["log", "last", "--failed"]);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout.match(/=== Job/g)?.length, 1);
  assert.match(
    out.stdout,
    /=== Job: bad \(bad\) ===\n--- Step 2: first failure \[failure\] ---\nBROKE-1\n##\[error\]Process completed with exit code 1\.\n--- Step 3: second failure \[failure\] ---\nBROKE-2\n/,
  );
  assert.doesNotMatch(out.stdout, /OK-LINE|BEFORE|CLEAN/);
  assert.equal(r.stax(["log", "last", "--failed", "-f"]).code, 2);
  r.stax(["run", "f", "-j", "good"]);
  const none = r.stax(["log", "last", "--failed"]);
  assert.equal(none.stdout, "");
  assert.match(none.stderr, /has no failed step/);
});

test("--env, --env-file and .env reach the jobs of a called reusable workflow, not only the caller's own (RW-04 keeps the caller's env: out)", () => {
  const r = new FixtureRepo({
    ".github/workflows/caller.yml": `name: caller
on: push
env:
  CALLER_ONLY: caller
jobs:
  direct:
    runs-on: ubuntu-latest
    steps:
      - run: echo "direct FOO=[$FOO] FROM_FILE=[$FROM_FILE] CALLER_ONLY=[$CALLER_ONLY]"
  call:
    uses: ./.github/workflows/callee.yml
`,
    ".github/workflows/callee.yml": `on: workflow_call
jobs:
  work:
    runs-on: ubuntu-latest
    steps:
      - run: echo "callee FOO=[$FOO] FROM_FILE=[$FROM_FILE] CALLER_ONLY=[$CALLER_ONLY] ctx=[\${{ env.FOO }}]"
`,
    ".env": "FROM_FILE=dot-env\n",
  });
  const dotEnv = r.stax(["run", "caller", "--env", "FOO=bar"]);
  assert.equal(dotEnv.code, 0, dotEnv.stdout + dotEnv.stderr);
  assert.match(dotEnv.stdout, /direct FOO=\[bar\] FROM_FILE=\[dot-env\] CALLER_ONLY=\[caller\]/);
  assert.match(dotEnv.stdout, /callee FOO=\[bar\] FROM_FILE=\[dot-env\] CALLER_ONLY=\[\] ctx=\[bar\]/);
  writeFileSync(join(r.home, "ci.env"), "FROM_FILE=flag-file\n");
  const file = r.stax(["run", "caller", "--env-file", join(r.home, "ci.env")]);
  assert.match(
    file.stdout,
    /callee FOO=\[\] FROM_FILE=\[flag-file\] CALLER_ONLY=\[\] ctx=\[\]/,
    file.stdout + file.stderr,
  );
});
