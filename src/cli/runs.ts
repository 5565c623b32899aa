import type { Command } from "commander";
import pc from "picocolors";
import {
  RUN_CONCLUSIONS,
  STATUSES,
  StaxError,
  type ListRunsQuery,
  type Status,
  type WorkflowInfo,
  type WorkflowRun,
} from "../contract/index.js";
import { formatDiagnostic } from "../contract/index.js";
import { rerunPlan } from "../engine/index.js";
import { listWorkflows } from "../workflow/index.js";
import { openBackend } from "./backend.js";
import { cancelInStore } from "./cancel-store.js";
import { cliConfig, findRunner, requireRunner } from "./discovery.js";
import { duration, mark } from "./format.js";

const ws = { flags: "-w, --workspace <dir>", about: "workspace (default: the current folder)" };

/** The run's title (`run-name`, else what GitHub names it by), cut to `width`. */
const titleOf = (r: WorkflowRun, width: number): string => {
  const t = r.displayTitle ?? r.workflow;
  return t.length > width ? `${t.slice(0, width - 1)}…` : t.padEnd(width);
};

function runLine(r: WorkflowRun): string {
  return `${mark(r.status, r.conclusion)} ${String(r.number).padStart(4)}  ${r.id}  ${(r.conclusion ?? r.status).padEnd(11)} ${titleOf(r, 32)} ${r.workflow.padEnd(24)} ${r.trigger.event.padEnd(18)} ${pc.dim(`${r.createdAt.replace("T", " ").slice(0, 19)}  ${duration(r.startedAt, r.completedAt)}`)}`;
}

/** `stax runs`, `show`, `cancel`, `rerun`, `workflows`. */
export function registerRuns(program: Command): void {
  program
    .command("runs")
    .description("list runs, newest first")
    .option("--status <status>", "queued, in_progress, completed, success, failure or cancelled")
    .option("--workflow <name>", "only runs of this workflow")
    .option("-n, --limit <n>", "how many", "20")
    .option(ws.flags, ws.about)
    .option("--json", "as JSON")
    .action(async (o: { status?: string; workflow?: string; limit: string; workspace?: string; json?: boolean }) => {
      if (o.status && ![...STATUSES, ...RUN_CONCLUSIONS].includes(o.status as Status))
        throw new StaxError(
          "BAD_REQUEST",
          "--status must be queued, in_progress, completed, success, failure or cancelled",
        );
      const b = await openBackend(cliConfig({ workspace: o.workspace }));
      try {
        const runs = await b.listRuns({
          status: o.status as ListRunsQuery["status"],
          workflow: o.workflow,
          limit: Number(o.limit) || 20,
        });
        if (o.json) console.log(JSON.stringify(runs, null, 2));
        else if (runs.length === 0) console.log("no runs yet");
        else for (const r of runs) console.log(runLine(r));
      } finally {
        await b.close();
      }
    });
  program
    .command("show")
    .description("a run with its jobs and steps (RUN: id, unique id prefix, number or 'last')")
    .argument("<run>")
    .option(ws.flags, ws.about)
    .option("--json", "as JSON")
    .action(async (ref: string, o: { workspace?: string; json?: boolean }) => {
      const b = await openBackend(cliConfig({ workspace: o.workspace }));
      try {
        const run = await b.getRun(ref);
        if (o.json) {
          console.log(JSON.stringify(run, null, 2));
          return;
        }
        console.log(
          `${pc.bold(run.displayTitle ?? run.workflow)} — ${run.workflow} run ${run.number} (${run.id}) ${run.conclusion ?? run.status}`,
        );
        const commit = [run.trigger.actor, run.trigger.commitSubject].filter(Boolean).join(": ");
        console.log(
          pc.dim(
            `${run.workflowFile} · ${run.trigger.event} · ${run.trigger.ref} · ${run.trigger.sha.slice(0, 7)}${commit ? ` · ${commit}` : ""} · ${run.createdAt}`,
          ),
        );
        if (run.rerunOf) console.log(pc.dim(`re-run of run ${run.rerunOf.runNumber} (${run.rerunOf.runId})`));
        for (const j of run.jobs) {
          console.log(
            `${mark(j.status, j.conclusion)} ${pc.bold(j.name)} ${pc.dim(duration(j.startedAt, j.completedAt))}`,
          );
          for (const s of j.steps)
            console.log(
              `   ${mark(s.status, s.conclusion)} ${s.number}. ${s.name} ${pc.dim(duration(s.startedAt, s.completedAt))}`,
            );
        }
      } finally {
        await b.close();
      }
    });
  program
    .command("cancel")
    .description("cancel a running run")
    .argument("<run>")
    .option(ws.flags, ws.about)
    .action(async (ref: string, o: { workspace?: string }) => {
      const c = cliConfig({ workspace: o.workspace });
      // Without a runner, through the store: the process that executes the run polls its cancel flag.
      const client = await findRunner(c);
      const run = client
        ? await client.request<WorkflowRun>("POST", `/api/runs/${encodeURIComponent(ref)}/cancel`, {})
        : await cancelInStore(c, ref);
      console.log(`cancelling run ${run.number} (${run.id})`);
    });
  program
    .command("rerun")
    .description("run again with the same workflow, inputs, event and commit")
    .argument("<run>")
    .option("--failed", "only the failed jobs (of a matrix, the failed legs) and what depends on them")
    .option("--job <id>", "only this job or matrix leg (`test (2)`) and what depends on it")
    .option(ws.flags, ws.about)
    .action(async (ref: string, o: { failed?: boolean; job?: string; workspace?: string }) => {
      const client = await requireRunner(cliConfig({ workspace: o.workspace }));
      const earlier = await client.request<WorkflowRun>("GET", `/api/runs/${encodeURIComponent(ref)}`);
      const run = await client.request<WorkflowRun>("POST", `/api/runs/${encodeURIComponent(ref)}/rerun`, {
        failedOnly: !!o.failed,
        ...(o.job !== undefined ? { job: o.job } : {}),
      });
      console.log(`started run ${run.number} (${run.id}); follow it with: stax log ${run.id} -f`);
      if (o.failed || o.job !== undefined) {
        const plan = rerunPlan(earlier, o.job);
        console.log(`running again: ${plan.rerun.join(", ")}`);
        const kept = [...Object.entries(plan.reuse.jobs), ...Object.entries(plan.reuse.legs ?? {})];
        if (kept.length)
          console.log(
            `reused from run ${earlier.number} (not run again; outputs kept): ${kept.map(([id, r]) => `${id} (${r.result})`).join(", ")}`,
          );
      }
    });
  program
    .command("workflows")
    .description("the workspace's workflows, with their errors")
    .option(ws.flags, ws.about)
    .option("--json", "as JSON")
    .action(async (o: { workspace?: string; json?: boolean }) => {
      const c = cliConfig({ workspace: o.workspace });
      const list: WorkflowInfo[] = (await listWorkflows(c.workspace)).map((w) => w.info);
      if (o.json) {
        console.log(JSON.stringify(list, null, 2));
        return;
      }
      for (const w of list) {
        console.log(
          `${w.errors ? pc.red("✗") : pc.green("✓")} ${pc.bold(w.name)} ${pc.dim(`${w.filePath} · on ${w.triggers.join(", ")} · ${w.jobs.length} job(s)`)}`,
        );
        for (const e of w.errors ?? []) console.log(`    ${formatDiagnostic(e)}`);
      }
    });
}
