import { join, relative } from "node:path";
import pc from "picocolors";
import type { WorkflowRun } from "../contract/index.js";
import { describeIsolation, type CheckoutOptions } from "../engine/index.js";
import { staxFolders } from "../host/launch.js";
import { cliConfig, findRunner } from "./discovery.js";
import { mark, summary } from "./format.js";
import { runInStore } from "./local-run.js";
import { runRemotely } from "./remote-run.js";
import { RunRenderer } from "./render.js";
import type { RunPlan } from "./run-plan.js";

/** How `stax run` executes its plans. */
export interface ExecOptions {
  /** Progress goes here (stderr with --json). */
  out: NodeJS.WriteStream;
  /** In this process even when a runner serves the workspace. */
  local?: boolean;
  /** The runner's sandbox strategy for submitted runs. */
  sandbox: string;
  /** Aborting cancels every run (`--watch` starting over). */
  signal?: AbortSignal;
  /** `--bind`: every job in the workspace itself, not a checkout per job leg. */
  bind?: boolean;
  /** `--keep-workspaces`: each leg's checkout stays after its job. */
  keepWorkspaces?: boolean;
  /** `--private-home`: a HOME of each job's own for its steps, in runs of this process. */
  privateHome?: boolean;
}

/**
 * Runs the plans concurrently, as GitHub runs the workflows an event triggers: on the runner of
 * the workspace when one answers, else in this process. Prints each run's summary, then one line
 * for all of them; resolves with the completed runs in plan order.
 */
export async function executePlans(plans: RunPlan[], o: ExecOptions): Promise<WorkflowRun[]> {
  if (plans.length === 0) return [];
  const workspace = plans[0].workspace;
  const config = cliConfig({ workspace, privateHome: o.privateHome });
  const inside = plans.every((p) => !relative(workspace, p.workflow.filePath).startsWith(".."));
  const client = o.local || !inside ? undefined : await findRunner(config);
  const many = plans.length > 1;
  const checkouts: CheckoutOptions = {
    mode: o.bind ? "bind" : "isolated",
    root: join(config.dataDir, "checkouts"),
    keep: o.keepWorkspaces === true,
    own: staxFolders(config),
  };
  // With a shared store the workers run the legs (of workflows in the run's source), each in its own copy of it.
  const fleet = !client && !!config.databaseUrl && inside;
  o.out.write(
    `${fleet ? `stax: the workers run each job leg in their own copy of the workspace as it is${o.bind || o.keepWorkspaces ? " (--bind and --keep-workspaces apply to legs run in this process only)" : ""}` : describeIsolation(workspace, checkouts)}\n`,
  );
  if (o.privateHome && (client || fleet))
    o.out.write(
      `stax: --private-home applies to job legs this process runs; ${client ? "the runner" : "a worker"} gives its steps a private HOME when started with STAX_PRIVATE_HOME=1\n`,
    );
  // Several workflows at once print plain prefixed lines: one live tree per run would fight over the terminal.
  const renderers = plans.map(
    (p) => new RunRenderer(o.out, many ? false : !!o.out.isTTY, many ? p.workflow.name : undefined),
  );
  const runs = await Promise.all(
    plans.map((p, i) =>
      client
        ? runRemotely(p, client, renderers[i], o.sandbox, checkouts, o.signal)
        : runInStore(p, renderers[i], config, o.signal, checkouts),
    ),
  );
  for (const r of renderers) r.finish();
  for (const run of runs) o.out.write(`\n${summary(run)}\n`);
  if (many) {
    const ok = runs.filter((r) => r.conclusion === "success").length;
    o.out.write(
      `\n${pc.bold(`${ok} of ${runs.length} workflows succeeded:`)} ${runs.map((r) => `${mark(r.status, r.conclusion)} ${r.workflow}`).join("  ")}\n`,
    );
  }
  return runs;
}
