import { relative } from "node:path";
import type { EventSink, WorkflowRun } from "../contract/index.js";
import type { RunnerClient } from "../client/index.js";
import type { RunPlan } from "./run-plan.js";

/**
 * Submits a plan to a runner and follows the run over SSE (replayed from its first event, so
 * nothing is missed). Ctrl-C asks the runner to cancel; a second Ctrl-C cancels harder.
 */
export async function runRemotely(plan: RunPlan, client: RunnerClient, sink: EventSink, sandbox: string, signal?: AbortSignal): Promise<WorkflowRun> {
  const created = await client.request<WorkflowRun>("POST", "/api/runs", {
    workflow: relative(plan.workspace, plan.workflow.filePath),
    event: plan.event,
    eventPayload: plan.eventPayload,
    inputs: plan.inputs,
    jobs: plan.jobs,
    env: plan.env,
    secrets: plan.secrets,
    actions: plan.actions,
    vars: plan.vars,
    ...(plan.matrix ? { matrix: plan.matrix } : {}),
    ...(plan.actor ? { actor: plan.actor } : {}),
    sandbox: { strategy: sandbox },
  });
  const onSignal = (): void => {
    process.stderr.write("\nstax: asking the runner to cancel the run (Ctrl-C again to insist)\n");
    client.request("POST", `/api/runs/${created.id}/cancel`, {}).catch(() => {});
  };
  const onAbort = (): void => void client.request("POST", `/api/runs/${created.id}/cancel`, {}).catch(() => {});
  process.on("SIGINT", onSignal);
  signal?.addEventListener("abort", onAbort);
  let final: WorkflowRun = created;
  try {
    await client.events({ since: 0, runId: created.id }, (item) => {
      if (item.type === "ping") return false;
      sink.emit(item);
      if (item.type === "run.completed") {
        final = item.data.run;
        return true;
      }
      return false;
    });
  } finally {
    process.off("SIGINT", onSignal);
    signal?.removeEventListener("abort", onAbort);
  }
  return final;
}
