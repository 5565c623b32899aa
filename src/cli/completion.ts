import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command, Option } from "commander";
import { parse } from "yaml";
import { StaxError } from "../contract/index.js";
import { registerAll } from "./commands.js";
import { bashScript, fishScript, zshScript, type Spec } from "./completion-scripts.js";

/** The workspace's workflow files (`.github/workflows/*.yml|yaml`), by name without the extension. */
function workflowStems(workspace: string): Map<string, string> {
  const dir = join(workspace, ".github", "workflows");
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  } catch {
    return new Map();
  }
  return new Map(names.sort().map((f) => [f.replace(/\.ya?ml$/, ""), join(dir, f)]));
}

/** The job ids of one workflow file (none when it does not parse: completion never fails). */
function jobIds(file: string): string[] {
  try {
    const doc = parse(readFileSync(file, "utf8")) as { jobs?: Record<string, unknown> } | null;
    return doc?.jobs && typeof doc.jobs === "object" ? Object.keys(doc.jobs) : [];
  } catch {
    return [];
  }
}

/**
 * What a completion script asks at TAB time: the workflows of the workspace, or the job ids of the
 * workflow on the command line (of every workflow when none is named). Plain files and YAML only:
 * no workflow validation, so it answers in a few milliseconds.
 */
export function completionWords(what: string, workspace: string, workflow?: string): string[] {
  const stems = workflowStems(workspace);
  if (what === "workflows") return [...stems.keys()];
  if (what !== "jobs") throw new StaxError("BAD_REQUEST", `--list takes workflows or jobs, not ${what}`);
  const named =
    workflow === undefined
      ? undefined
      : (stems.get(
          workflow
            .replace(/\.ya?ml$/, "")
            .split("/")
            .pop() ?? "",
        ) ?? (/\.ya?ml$/.test(workflow) ? resolve(workspace, workflow) : undefined));
  const files = named ? [named] : [...stems.values()];
  return [...new Set(files.flatMap(jobIds))];
}

/** Every command, sub-command and flag of `stax`, read from the commands themselves. */
async function spec(): Promise<Spec> {
  const program = new Command("stax").option("--database <url>", "a PostgreSQL store shared by many machines");
  await registerAll(program);
  const of = (c: Command): Spec => ({
    name: c.name(),
    description: c.description(),
    flags: c.options
      .filter((o) => !o.hidden)
      .map((o) => ({ long: o.long, short: o.short, value: o.required || o.optional, description: o.description })),
    commands: c.commands.map(of),
  });
  return of(program);
}

/** `stax completion bash|zsh|fish`. */
export function registerCompletion(program: Command): void {
  program
    .command("completion")
    .description("print a shell completion script: commands, flags, workflow names and job ids (bash, zsh or fish)")
    .argument("[shell]", "bash, zsh or fish")
    .option("-w, --workspace <dir>", "workspace whose workflows --list reads (default: the current folder)")
    .addOption(
      new Option("--list <what>", "workflows or jobs, one a line (what the scripts ask at TAB time)").hideHelp(),
    )
    .addOption(new Option("--workflow <name>", "with --list jobs: the jobs of this workflow").hideHelp())
    .action(async (shell: string | undefined, o: { workspace?: string; list?: string; workflow?: string }) => {
      if (o.list) {
        const words = completionWords(
          o.list,
          resolve(o.workspace ?? process.env.STAX_WORKSPACE ?? process.cwd()),
          o.workflow,
        );
        if (words.length) process.stdout.write(`${words.join("\n")}\n`);
        return;
      }
      const make =
        shell === "bash" ? bashScript : shell === "zsh" ? zshScript : shell === "fish" ? fishScript : undefined;
      if (!make)
        throw new StaxError("BAD_REQUEST", `stax completion takes bash, zsh or fish${shell ? `, not ${shell}` : ""}`);
      process.stdout.write(make(await spec()));
    });
}
