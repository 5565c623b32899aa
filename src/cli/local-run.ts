import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { EventSink, WorkflowRun } from "../contract/index.js";
import { startRun, type RunHandle } from "../engine/index.js";
import type { RunPlan } from "./run-plan.js";

/** Runs a plan in this process. SIGINT cancels gracefully; a second SIGINT stops at once. */
export async function runLocally(plan: RunPlan, sink: EventSink, opts: { runId?: string; runNumber?: number; hostEnv: Record<string, string | undefined>; actionsCache?: string }): Promise<WorkflowRun> {
  const handle: RunHandle = startRun({
    runId: opts.runId ?? randomBytes(4).toString("hex"),
    runNumber: opts.runNumber ?? 1,
    workspace: plan.workspace,
    workflow: plan.workflow,
    event: plan.event,
    eventPayload: plan.eventPayload,
    inputs: plan.inputs,
    secrets: plan.secrets,
    env: plan.env,
    jobs: plan.jobs,
    hostEnv: opts.hostEnv,
    tempDir: mkdtempSync(join(tmpdir(), "stax-run-")),
    sink,
    actionsCache: opts.actionsCache,
  });
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    process.stderr.write(interrupts === 1 ? "\nstax: cancelling the run (Ctrl-C again to stop at once)\n" : "\nstax: stopping now\n");
    handle.cancel();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await handle.done;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
