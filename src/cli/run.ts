import { resolve } from "node:path";
import type { Command } from "commander";
import pc from "picocolors";
import { StaxError, type WorkflowRun } from "../contract/index.js";
import { KNOWN_EVENTS } from "../workflow/index.js";
import { cliConfig } from "./discovery.js";
import { keepBetweenRuns } from "./kept.js";
import { collect, commonPlan, planRun, workflowsFlag, type RunFlags, type RunPlan } from "./run-plan.js";
import { namedRunPayload, planByEvent } from "./run-select.js";
import { dryRunText, graphText, listText } from "./run-show.js";

type Flags = RunFlags & {
  sandbox?: string | boolean;
  local?: boolean;
  list?: boolean;
  dryRun?: boolean;
  graph?: boolean;
  watch?: boolean;
  bind?: boolean;
  keepWorkspaces?: boolean;
  privateHome?: boolean;
};

/**
 * The plans of one `stax run`: the named workflow, or every workflow the event triggers (with a
 * line per one left out; `byEvent`).
 */
async function plan(
  ref: string | undefined,
  flags: Flags,
  out: NodeJS.WriteStream,
): Promise<{ plans: RunPlan[]; invalid: string[]; byEvent: boolean }> {
  // -W: a file is the workflow (unless one is named), a folder the one whose workflows the event may trigger.
  const named =
    ref === undefined && flags.workflows !== undefined
      ? workflowsFlag(flags.workflows, process.cwd(), resolve(flags.workspace ?? process.cwd()))
      : undefined;
  if (named && "file" in named) ref = named.file;
  if (ref !== undefined) {
    const common = commonPlan(flags, process.cwd());
    let p: RunPlan;
    try {
      p = await planRun(ref, flags, process.cwd(), process.cwd(), common);
    } catch (err) {
      // `act pull_request`: an event's name where no workflow has it is that event, as act reads it.
      if (!(
        err instanceof StaxError &&
        err.code === "WORKFLOW_NOT_FOUND" &&
        flags.event === undefined &&
        KNOWN_EVENTS.includes(ref)
      ))
        throw err;
      return plan(undefined, { ...flags, event: ref }, out);
    }
    for (const w of p.warnings ?? []) process.stderr.write(`${w}\n`);
    p.eventPayload = namedRunPayload(p.workspace, p.event, common, flags.base);
    return { plans: [p], invalid: [], byEvent: false };
  }
  const s = await planByEvent(flags, process.cwd(), process.cwd(), named && "dir" in named ? named.dir : undefined);
  out.write(`${pc.dim(`${s.facts}`)}\n`);
  for (const line of s.leftOut) out.write(`${pc.dim("− skipped")} ${line}\n`);
  for (const file of s.invalid) out.write(`${pc.red("✗ invalid")} ${file} (stax validate shows its errors)\n`);
  if (s.plans.length === 0 && s.invalid.length === 0) out.write(`no workflow runs on ${s.event}\n`);
  return { plans: s.plans, invalid: s.invalid, byEvent: true };
}

/** The plans with the stored variables under their own, as a run would see them (a strategy may use vars). */
async function withStoredVars(plans: RunPlan[]): Promise<RunPlan[]> {
  // Loaded here, not above: a plan needs the store only for its variables (PostgreSQL only with a shared store).
  const { connectStore, storedVars } = await import("../store/index.js");
  const store = await connectStore(cliConfig({ workspace: plans[0].workspace }));
  try {
    const stored = await storedVars(store);
    return plans.map((p) => ({ ...p, vars: { ...stored, ...p.vars } }));
  } finally {
    await store.close();
  }
}

/**
 * `stax run [workflow]`: runs a workflow, or with none every workflow the event triggers (act's
 * default; `stax run pull_request` is `act pull_request`). Exits 0 when every run succeeded, 1
 * when one failed or was cancelled (or a triggered workflow is invalid), 2 on bad input.
 */
export function registerRun(program: Command): void {
  program
    .command("run")
    .description(
      "run a workflow (a file path, a file name in .github/workflows, or its name:), or with none every workflow the event triggers",
    )
    .argument(
      "[workflow]",
      "workflow to run; default: every workflow the event triggers, filters checked (an event's name that names no workflow: that event, as act reads it)",
    )
    .option("-w, --workspace <dir>", "workspace folder (GITHUB_WORKSPACE)", process.env.STAX_WORKSPACE)
    .option(
      "-W, --workflows <path>",
      "a workflow file, or a folder of workflows instead of .github/workflows (act's -W; a named workflow wins)",
    )
    .option("-e, --event <name>", "event that triggers the run (default: push, or the named workflow's only trigger)")
    .option("--event-file <file>", "JSON webhook payload for github.event")
    .option("--eventpath <file>", "the same as --event-file (act's name)")
    .option(
      "--base <branch>",
      "pull_request: the base branch for branch and path filters (default: the default branch)",
    )
    .option("-i, --input <key=value>", "workflow_dispatch / workflow_call input (repeatable)", collect)
    .option("--input-file <file>", "inputs in dotenv syntax (--input wins; default: the workspace's .input, if any)")
    .option("-s, --secret <key=value>", "secret (repeatable)", collect)
    .option("--secret-file <file>", "secrets in dotenv syntax (default: the workspace's .secrets, if any)")
    .option("--var <key=value>", "variable for the vars context, over stored ones (repeatable)", collect)
    .option("--var-file <file>", "variables in dotenv syntax (default: the workspace's .vars, if any)")
    .option("--env <key=value>", "environment variable for every step (repeatable)", collect)
    .option("--env-file <file>", "environment variables in dotenv syntax (default: the workspace's .env, if any)")
    .option("-j, --job <id>", "run only this job and what it needs (repeatable)", collect)
    .option(
      "--matrix <key:value>",
      "run only the matrix legs with this value (repeatable; several values of one key: any)",
      collect,
    )
    .option("--actor <name>", "github.actor (default: git's user.name)")
    .option("-l, --list", "list the workflows and jobs the event would run; run nothing")
    .option("-n, --dry-run", "print the plan: jobs by stage, matrix legs, steps in order; run nothing")
    .option("-g, --graph", "draw the job graph; run nothing (act's -g)")
    .option(
      "--watch",
      "run again when files of the workspace change (not .gitignored ones), cancelling a run still going",
    )
    .option("--json", "print the final run as JSON on stdout (an array for several workflows); progress goes to stderr")
    .option("--sandbox <strategy>", "where a runner runs it: none (default for stax run), auto, worktree or copy")
    .option(
      "--no-sandbox",
      "a runner takes the workspace itself as the run's folder (the default of stax run); job legs still get their own checkouts unless --bind",
    )
    .option("--strict", "refuse an --event the workflow does not trigger on (default: a warning)")
    .option(
      "--platform <label=host|image>",
      "run jobs whose runs-on has LABEL on this machine, or with an image (act's -P) inside a container of it (repeatable); other OSes and unknown labels are skipped",
      collect,
    )
    .option(
      "--bind",
      "run every job in the workspace itself instead of a checkout per job leg (reuses its node_modules)",
    )
    .option("--keep-workspaces", "keep each job leg's checkout after the run (its path is in the job's log)")
    .option(
      "--private-home",
      "give each job's steps a HOME of its own, seeded with your ~/.npmrc, ~/.gitconfig and yarn config: `npm config set` or `git config --global` in a step then changes the job's copy, not your files (STAX_PRIVATE_HOME=1 for runners and workers)",
    )
    .option("--local", "run in this process even when a runner serves the workspace")
    .option(
      "--action <owner/repo@ref=DIR>",
      "use a local folder for a remote action or reusable workflow (repeatable)",
      collect,
    )
    .action(async (ref: string | undefined, flags: Flags) => {
      const out = flags.json ? process.stderr : process.stdout;
      keepBetweenRuns(flags.workspace);
      const once = async (signal?: AbortSignal): Promise<WorkflowRun[] | undefined> => {
        const { plans, invalid, byEvent } = await plan(ref, flags, out);
        const show = flags.list ? listText : flags.dryRun ? dryRunText : flags.graph ? graphText : undefined;
        if (show) {
          if (plans.length) process.stdout.write(`${show(await withStoredVars(plans))}\n`);
          process.exitCode = invalid.length ? 1 : 0;
          return undefined;
        }
        const { executePlans } = await import("./run-exec.js");
        const runs = await executePlans(plans, {
          out,
          local: flags.local,
          sandbox: typeof flags.sandbox === "string" ? flags.sandbox : "none",
          signal,
          bind: flags.bind,
          keepWorkspaces: flags.keepWorkspaces,
          privateHome: flags.privateHome,
        });
        if (flags.json) process.stdout.write(`${JSON.stringify(byEvent ? runs : runs[0], null, 2)}\n`);
        process.exitCode = invalid.length === 0 && runs.every((r) => r.conclusion === "success") ? 0 : 1;
        return runs;
      };
      if (flags.watch) await (await import("./run-watch.js")).watchAndRun(flags.workspace ?? process.cwd(), once, out);
      else await once();
    });
}
