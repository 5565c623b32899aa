import type { Command } from "commander";
import { summary } from "./format.js";
import { join, relative } from "node:path";
import { describeIsolation, type CheckoutOptions } from "../engine/index.js";
import { runInStore } from "./local-run.js";
import { runRemotely } from "./remote-run.js";
import { cliConfig, findRunner } from "./context.js";
import { collect, planRun, type RunFlags } from "./run-plan.js";
import { RunRenderer } from "./render.js";

/** `stax run <workflow>`: runs a workflow and exits 0 on success, 1 on failure or cancel, 2 on bad input. */
export function registerRun(program: Command): void {
  program
    .command("run")
    .description("run a workflow: a file path, a file name in .github/workflows (with or without extension), or its name:")
    .argument("<workflow>", "workflow to run")
    .option("-w, --workspace <dir>", "workspace folder (GITHUB_WORKSPACE)", process.env.STAX_WORKSPACE)
    .option("-e, --event <name>", "event that triggers the run (default: push, or the workflow's only trigger)")
    .option("--event-file <file>", "JSON webhook payload for github.event")
    .option("-i, --input <key=value>", "workflow_dispatch / workflow_call input (repeatable)", collect)
    .option("-s, --secret <key=value>", "secret (repeatable)", collect)
    .option("--secret-file <file>", "secrets in dotenv syntax")
    .option("--env <key=value>", "environment variable for every step (repeatable)", collect)
    .option("--env-file <file>", "environment variables in dotenv syntax")
    .option("-j, --job <id>", "run only this job and what it needs (repeatable)", collect)
    .option("--json", "print the final run as JSON on stdout; progress goes to stderr")
    .option("--sandbox <strategy>", "where a runner runs it: none (default for stax run), auto, worktree or copy")
    .option("--no-sandbox", "a runner takes the workspace itself as the run's folder (the default of stax run); job legs still get their own checkouts unless --bind")
    .option("--strict", "refuse an --event the workflow does not trigger on (default: a warning)")
    .option("--platform <label=host>", "run jobs whose runs-on has LABEL on this machine (repeatable); other OSes and unknown labels are skipped", collect)
    .option("--bind", "run every job in the workspace itself instead of a checkout per job leg (reuses its node_modules)")
    .option("--keep-workspaces", "keep each job leg's checkout after the run (its path is in the job's log)")
    .option("--local", "run in this process even when a runner serves the workspace")
    .option("--action <owner/repo@ref=DIR>", "use a local folder for a remote action or reusable workflow (repeatable)", collect)
    .action(async (ref: string, flags: RunFlags & { sandbox?: string | boolean; local?: boolean; bind?: boolean; keepWorkspaces?: boolean }) => {
      const plan = await planRun(ref, flags, process.cwd(), process.cwd());
      const out = flags.json ? process.stderr : process.stdout;
      const renderer = new RunRenderer(out);
      const config = cliConfig({ workspace: plan.workspace });
      const inside = !relative(plan.workspace, plan.workflow.filePath).startsWith("..");
      const client = flags.local || !inside ? undefined : await findRunner(config);
      const sandbox = typeof flags.sandbox === "string" ? flags.sandbox : "none";
      const checkouts: CheckoutOptions = { mode: flags.bind ? "bind" : "isolated", root: join(config.dataDir, "checkouts"), keep: flags.keepWorkspaces === true };
      for (const w of plan.warnings) process.stderr.write(`${w}\n`);
      // With a shared store the workers run the legs (when the workflow is part of the run's source), each in its own copy of it.
      const fleet = !client && !!config.databaseUrl && inside;
      out.write(`${fleet ? `stax: the workers run each job leg in their own copy of the workspace as it is${flags.bind || flags.keepWorkspaces ? " (--bind and --keep-workspaces apply to legs run in this process only)" : ""}` : describeIsolation(plan.workspace, checkouts)}\n`);
      const run = client ? await runRemotely(plan, client, renderer, sandbox, checkouts) : await runInStore(plan, renderer, config, checkouts);
      renderer.finish();
      out.write(`\n${summary(run)}\n`);
      if (flags.json) process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
      process.exitCode = run.conclusion === "success" ? 0 : 1;
    });
}
