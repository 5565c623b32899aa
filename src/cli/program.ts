import { Command, CommanderError } from "commander";
import { ERROR_CODES, StaxError } from "../contract/index.js";
import { withActrc } from "./actrc.js";
import { registerCommands } from "./commands.js";
import { addExamples } from "./examples.js";
import { VERSION } from "./version.js";

/** The `stax` command line. Exit codes: 0 success, 1 run failed or cancelled, 2 usage or workflow errors. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command("stax")
    .description("run GitHub Actions workflows on this machine, live")
    .version(VERSION)
    .option(
      "--database <url>",
      "a PostgreSQL store shared by many machines (STAX_DATABASE_URL); every command that reads runs uses it",
    )
    .exitOverride()
    .showHelpAfterError();
  // Before or after the command: the URL reaches this process's configuration and the processes it starts.
  program.hook("preAction", () => {
    const url = program.opts<{ database?: string }>().database;
    if (url) process.env.STAX_DATABASE_URL = url;
  });
  try {
    const actrc = withActrc(argv, process.cwd());
    for (const line of actrc.said) process.stderr.write(`${line}\n`);
    const named = await registerCommands(program, actrc.argv.slice(2));
    addExamples(program);
    if (named?.runsJobs) {
      // A job that ends kills what its steps left (job.ts); this is for the jobs a process.exit cuts short
      // (a second SIGTERM to the runner): their processes must not outlive stax either. Only commands
      // that run jobs load the engine for it.
      const { killLeftoverProcesses } = await import("../engine/index.js");
      process.on("exit", () => killLeftoverProcesses());
    }
    await program.parseAsync(actrc.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (err instanceof StaxError) {
      console.error(`stax: ${err.message}`);
      process.exitCode = ERROR_CODES[err.code].exit;
      return;
    }
    console.error(err);
    process.exitCode = 2;
  }
}
