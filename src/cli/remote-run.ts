import type { EventSink, SandboxStrategy, WorkflowRun } from "../contract/index.js";
import type { RunnerClient } from "../client/index.js";
import type { CheckoutOptions } from "../engine/index.js";
import { onOutputClosed } from "./closed-output.js";
import { planRequest, type RunPlan } from "./run-plan.js";

/**
 * Submits a plan to a runner and follows the run over SSE (replayed from its first event, so
 * nothing is missed). Ctrl-C asks the runner to cancel; a second Ctrl-C cancels harder.
 */
export async function runRemotely(
  plan: RunPlan,
  client: RunnerClient,
  sink: EventSink,
  sandbox: string,
  checkouts: CheckoutOptions,
  signal?: AbortSignal,
): Promise<WorkflowRun> {
  const created = await client.request<WorkflowRun>(
    "POST",
    "/api/runs",
    planRequest(plan, sandbox as SandboxStrategy, checkouts),
  );
  const onSignal = (): void => {
    process.stderr.write("\nstax: asking the runner to cancel the run (Ctrl-C again to insist)\n");
    client.request("POST", `/api/runs/${created.id}/cancel`, {}).catch(() => {});
  };
  const onAbort = (): void => void client.request("POST", `/api/runs/${created.id}/cancel`, {}).catch(() => {});
  process.on("SIGINT", onSignal);
  const offClosed = onOutputClosed(() => client.request("POST", `/api/runs/${created.id}/cancel`, {}).catch(() => {}));
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
    offClosed();
    signal?.removeEventListener("abort", onAbort);
  }
  return final;
}
