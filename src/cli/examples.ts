import type { Command } from "commander";

/**
 * An example or two for every command's `--help`, by its path of names, for the commands whose file
 * adds none itself (`addHelpText`). test/cli/completion.test.ts walks every command and fails on
 * one whose help shows no example.
 */
export const EXAMPLES: Record<string, string[]> = {
  run: [
    "stax run ci.yml                      # one workflow, in this process or on the runner",
    "stax run pull_request --base main   # every workflow a pull request would trigger",
    "stax run ci -j test --matrix node:20 # one job's legs with node 20",
    "stax run -l                          # what a push would run, without running it",
  ],
  validate: [
    "stax validate                        # every workflow of .github/workflows",
    "stax validate .github/workflows/ci.yml",
  ],
  runner: ["stax runner start && stax runner status"],
  "runner start": [
    "stax runner start                    # in the background on 127.0.0.1:4800",
    "stax runner start --port 0 --foreground",
  ],
  "runner stop": ["stax runner stop -w ~/src/app"],
  "runner status": ["stax runner status --json"],
  runs: ["stax runs --status failure -n 5"],
  show: ["stax show last", "stax show 12 --json"],
  cancel: ["stax cancel last"],
  rerun: ["stax rerun last --failed               # only the failed jobs and what depends on them"],
  workflows: ["stax workflows --json"],
  log: [
    "stax log last --failed",
    "stax log 12 -f --job build",
    "stax log last --timestamps --step 2   # each line with its time (UTC)",
  ],
  secret: ['printf %s "$TOKEN" | stax secret set NPM_TOKEN'],
  "secret set": ['printf %s "$TOKEN" | stax secret set NPM_TOKEN'],
  "secret list": ["stax secret list --json"],
  "secret rm": ["stax secret rm NPM_TOKEN"],
  "secret import": ["stax secret import .secrets"],
  var: ["stax var set REGION eu-west-1 && stax var list"],
  "var set": ["stax var set REGION eu-west-1"],
  "var list": ["stax var list --json"],
  "var rm": ["stax var rm REGION"],
  artifacts: ["stax artifacts last", "stax artifacts last dist -o ./out"],
  dashboard: ["stax dashboard --no-open"],
  actions: ["stax actions pull actions/checkout@v4 && stax actions list"],
  "actions add": ["stax actions add my-org/deploy@v2 ../deploy-action"],
  "actions pull": ["stax actions pull actions/checkout@v4"],
  "actions list": ["stax actions list --json"],
  "actions rm": ["stax actions rm actions/checkout@v4"],
  tools: ["stax tools add node 20 && stax tools list"],
  "tools add": ["stax tools add node 20", "stax tools add node lts/iron"],
  "tools list": ["stax tools list --json"],
  worker: ["STAX_DATABASE_URL=postgres://stax@db/stax stax worker --labels linux,gpu --concurrency 2"],
  workers: ["stax --database postgres://stax@db/stax workers"],
  db: ["stax --database postgres://stax@db/stax db migrate"],
  "db migrate": ["STAX_DATABASE_URL=postgres://owner@db/stax stax db migrate   # as the role that owns the tables"],
  completion: [
    'eval "$(stax completion bash)"                               # bash, in ~/.bashrc',
    'stax completion zsh > "${fpath[1]}/_stax"                    # zsh',
    "stax completion fish > ~/.config/fish/completions/stax.fish  # fish",
  ],
};

/** Adds its examples to the help of every registered command. */
export function addExamples(program: Command, prefix = ""): void {
  for (const c of program.commands) {
    const path = prefix ? `${prefix} ${c.name()}` : c.name();
    const lines = EXAMPLES[path];
    if (lines) c.addHelpText("after", `\nExamples:\n${lines.map((l) => `  ${l}`).join("\n")}`);
    addExamples(c, path);
  }
}
