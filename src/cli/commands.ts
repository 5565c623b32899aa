import type { Command } from "commander";

type Register = (program: Command) => void;

/**
 * Every `stax` sub-command: its one-line description and the module that registers it, loaded only
 * when the command line names it (a command's module pulls in what it runs: the engine, the store,
 * the server), so `stax --version`, `stax --help` and `stax run -l` start without the rest. The
 * descriptions are the commands' own (test/cli/completion.test.ts checks that they agree).
 */
export const COMMANDS: readonly {
  name: string;
  description: string;
  runsJobs?: boolean;
  load: () => Promise<Register>;
}[] = [
  {
    name: "run",
    description:
      "run a workflow (a file path, a file name in .github/workflows, or its name:), or with none every workflow the event triggers",
    runsJobs: true,
    load: async () => (await import("./run.js")).registerRun,
  },
  {
    name: "validate",
    description: "check workflow files; prints every error as file:line:col: message",
    load: async () => (await import("./validate.js")).registerValidate,
  },
  {
    name: "runner",
    description: "the runner process: REST API, SSE events and the dashboard",
    runsJobs: true,
    load: async () => (await import("./runner.js")).registerRunner,
  },
  { name: "runs", description: "list runs, newest first", load: async () => (await import("./runs.js")).registerRuns },
  {
    name: "show",
    description: "a run with its jobs and steps (RUN: id, unique id prefix, number or 'last')",
    load: async () => (await import("./runs.js")).registerRuns,
  },
  { name: "cancel", description: "cancel a running run", load: async () => (await import("./runs.js")).registerRuns },
  {
    name: "rerun",
    description: "run again with the same workflow, inputs, event and commit",
    runsJobs: true,
    load: async () => (await import("./runs.js")).registerRuns,
  },
  {
    name: "workflows",
    description: "the workspace's workflows, with their errors",
    load: async () => (await import("./runs.js")).registerRuns,
  },
  {
    name: "log",
    description: "print a run's log; -f follows it live until the run completes",
    load: async () => (await import("./log.js")).registerLog,
  },
  {
    name: "secret",
    description: "manage secrets (encrypted at rest, masked in every log)",
    load: async () => (await import("./secret.js")).registerSecret,
  },
  {
    name: "var",
    description: "manage repository variables (the vars context; plain text, not secret)",
    load: async () => (await import("./var.js")).registerVar,
  },
  {
    name: "artifacts",
    description: "list a run's artifacts, or download one",
    load: async () => (await import("./artifacts.js")).registerArtifacts,
  },
  {
    name: "dashboard",
    description: "open the dashboard (starts the runner if needed)",
    load: async () => (await import("./dashboard.js")).registerDashboard,
  },
  {
    name: "actions",
    description: "the action cache: remote actions and reusable workflows available offline",
    load: async () => (await import("./actions.js")).registerActions,
  },
  {
    name: "tools",
    description: "the tool cache ($STAX_HOME/tools): Node builds setup-node uses without the network",
    load: async () => (await import("./tools.js")).registerTools,
  },
  {
    name: "worker",
    description: "run job legs of the shared store's runs on this machine (needs STAX_DATABASE_URL or --database)",
    runsJobs: true,
    load: async () => (await import("./worker.js")).registerWorker,
  },
  {
    name: "workers",
    description: "the workers of the shared store: labels, slots, legs in hand, last heartbeat",
    load: async () => (await import("./worker.js")).registerWorker,
  },
  {
    name: "db",
    description: "the shared PostgreSQL store: schema and roles (docs/scale-out.md, Security)",
    load: async () => (await import("./db.js")).registerDb,
  },
  {
    name: "completion",
    description: "print a shell completion script: commands, flags, workflow names and job ids (bash, zsh or fish)",
    load: async () => (await import("./completion.js")).registerCompletion,
  },
];

/** The command a command line names: its first word that is not an option (`help X` names X). */
export function commandOf(argv: readonly string[]): string | undefined {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") break;
    if (a === "--database") i++;
    else if (!a.startsWith("-")) words.push(a);
  }
  return words[0] === "help" ? words[1] : words[0];
}

/**
 * Registers the named command in full (a module registering several, all of them), or with none
 * named (or an unknown one) every command by its description only, for the help and commander's
 * "unknown command" suggestions. Returns the command named, if any.
 */
export async function registerCommands(
  program: Command,
  argv: readonly string[],
): Promise<(typeof COMMANDS)[number] | undefined> {
  const named = COMMANDS.find((c) => c.name === commandOf(argv));
  if (named) (await named.load())(program);
  else for (const c of COMMANDS) program.command(c.name).description(c.description);
  return named;
}

/** Every command in full (the completion script lists every flag). */
export async function registerAll(program: Command): Promise<void> {
  const done = new Set<Register>();
  for (const c of COMMANDS) {
    const register = await c.load();
    if (!done.has(register)) (done.add(register), register(program));
  }
}
