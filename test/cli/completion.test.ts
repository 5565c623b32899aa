/**
 * `stax completion bash|zsh|fish` and the help of every command. The bash script is sourced in a
 * real bash and asked what it completes, as bash's TAB would (COMP_WORDS / COMP_CWORD); it calls
 * the built `bin/stax` for the workspace's workflow names and job ids. zsh and fish are asked the
 * same when the machine has them (a test is skipped, saying so, when it does not).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Command } from "commander";
import { COMMANDS, registerAll } from "../../src/cli/commands.js";
import { EXAMPLES } from "../../src/cli/examples.js";
import { STAX } from "../helpers/git-repo.js";
import { tempDir } from "../helpers/temp.js";

const base = tempDir("stax-completion-");
const ws = join(base, "ws");
mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
writeFileSync(
  join(ws, ".github", "workflows", "ci.yml"),
  "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps: [{ run: 'true' }]\n  test:\n    needs: build\n    runs-on: ubuntu-latest\n    steps: [{ run: 'true' }]\n",
);
writeFileSync(
  join(ws, ".github", "workflows", "deploy.yaml"),
  "on: workflow_dispatch\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    steps: [{ run: 'true' }]\n",
);
// The command the user types, as bash sees it (COMP_WORDS[0]).
const cmd = join(base, "stax");
writeFileSync(cmd, `#!/bin/sh\nexec '${process.execPath}' '${STAX}' "$@"\n`);
chmodSync(cmd, 0o755);

const staxOut = (args: string[], cwd = ws) => {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, STAX_WORKSPACE: "", NO_COLOR: "1" } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
};
const script = (shell: string) => {
  const file = join(base, `stax.${shell}`);
  writeFileSync(file, staxOut(["completion", shell]));
  return file;
};

/** What bash completes for the words typed so far (the last one is the word under the cursor). */
function complete(words: string[], cwd = ws): string[] {
  const all = [cmd, ...words];
  const program = `source '${bash}'; COMP_WORDS=(${all.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${all.length - 1}; _stax; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync("bash", ["-c", program], { cwd, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split("\n").filter(Boolean);
}
const bash = script("bash");

test("bash completion offers the commands, a command's sub-commands and its flags", () => {
  assert.ok(
    ["run", "runner", "worker", "completion", "validate"].every((c) => complete([""]).includes(c)),
    complete([""]).join(" "),
  );
  assert.deepEqual(complete(["runner", ""]).sort(), ["start", "status", "stop"]);
  assert.deepEqual(complete(["run", "--li"]), ["--list"]);
  assert.ok(complete(["runner", "start", "--"]).includes("--foreground"));
});

test("bash completion offers the workspace's workflows for stax run and the job ids of the workflow on the line for -j", () => {
  assert.deepEqual(complete(["run", ""]).sort(), ["ci", "deploy"]);
  assert.deepEqual(complete(["run", "ci", "-j", ""]).sort(), ["build", "test"]);
  assert.deepEqual(complete(["run", "deploy.yaml", "--job", ""]), ["ship"]);
  // From elsewhere, the workspace named by -w.
  assert.deepEqual(complete(["run", "-w", ws, "c"], base), ["ci"]);
});

const has = (shell: string) => spawnSync("sh", ["-c", `command -v ${shell}`]).status === 0;

test("zsh completion offers the commands with their descriptions, sub-commands, workflows and the job ids for -j", (t) => {
  assert.match(staxOut(["completion", "zsh"]), /^#compdef stax/);
  if (!has("zsh")) return t.skip("zsh is not installed here");
  const file = script("zsh");
  assert.equal(spawnSync("zsh", ["-n", file]).status, 0);
  // zsh's completion builtins, replaced by ones that print what they are given (outside a completion widget they do nothing).
  const ask = (words: string[]) => {
    const program = `compdef() { :; }; compadd() { shift; print -l -- "$@"; }; _describe() { print -l -- "\${commands[@]}"; }; _files() { print FILES; }
source '${file}'; words=(${[cmd, ...words].map((w) => `'${w}'`).join(" ")}); CURRENT=${words.length + 1}; _stax`;
    const r = spawnSync("zsh", ["-c", program], { cwd: ws, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split("\n").filter(Boolean);
  };
  assert.ok(
    ask([""]).some((l) => l.startsWith("runner:the runner process")),
    ask([""]).join("\n"),
  );
  assert.deepEqual(ask(["runner", ""]).sort(), ["start", "status", "stop"]);
  assert.deepEqual(ask(["run", ""]).sort(), ["ci", "deploy"]);
  assert.deepEqual(ask(["run", "ci", "-j", ""]).sort(), ["build", "test"]);
});

test("fish completion offers the commands, sub-commands, workflows and job ids", (t) => {
  assert.match(staxOut(["completion", "fish"]), /complete -c stax -n '__fish_seen_subcommand_from run' -s j -l job/);
  if (!has("fish")) return t.skip("fish is not installed here");
  const file = script("fish");
  assert.equal(spawnSync("fish", ["-n", file]).status, 0);
  // fish's completions call `stax`: a function running this checkout's.
  const ask = (line: string) => {
    const r = spawnSync("fish", ["-c", `function stax; '${cmd}' $argv; end; source '${file}'; complete -C '${line}'`], {
      cwd: ws,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split("\t")[0]);
  };
  assert.ok(ask("stax ").includes("runner"));
  assert.deepEqual(ask("stax runner ").sort(), ["start", "status", "stop"]);
  assert.deepEqual(ask("stax run ").sort(), ["ci", "deploy"]);
  assert.ok(ask("stax run -j ").includes("build"));
});

test("the help's list of commands agrees with each command's own description", async () => {
  const program = new Command("stax");
  await registerAll(program);
  for (const c of COMMANDS)
    assert.equal(c.description, program.commands.find((x) => x.name() === c.name)?.description(), c.name);
  assert.deepEqual(
    program.commands.map((c) => c.name()).sort(),
    COMMANDS.map((c) => c.name).sort(),
    "every registered command is in the list",
  );
});

test("every command's --help has an example", async () => {
  const program = new Command("stax");
  await registerAll(program);
  const missing: string[] = [];
  const walk = (c: Command, prefix: string) => {
    for (const s of c.commands) {
      const path = prefix ? `${prefix} ${s.name()}` : s.name();
      if (!EXAMPLES[path]?.length) missing.push(path);
      walk(s, path);
    }
  };
  walk(program, "");
  // A command may add its examples itself (addHelpText): its help says so.
  assert.deepEqual(
    missing.filter((path) => !/\nExamples:\n {2}\S/.test(staxOut([...path.split(" "), "--help"]))),
    [],
  );
  assert.match(staxOut(["run", "--help"]), /Examples:\n {2}stax run ci\.yml/);
  assert.match(staxOut(["runner", "start", "--help"]), /Examples:\n {2}stax runner start/);
});
