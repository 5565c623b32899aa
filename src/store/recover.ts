import { makeEvent, type SSEEvent, type WorkflowRun } from "../contract/index.js";
import { withStoredEvents } from "./fold.js";
import type { Store } from "./store.js";

export const INTERRUPTED_LINE =
  "stax: the runner stopped while this run was in progress; the run is marked cancelled\n";

/**
 * After a crash: every run that was not completed (its last snapshot with the events stored after
 * it) is marked completed/cancelled, with its unfinished jobs and steps, and a log line saying why
 * on each step that was running. Every line logged before the crash stays; runs another live
 * process executes are left alone.
 * Returns the events it appended.
 */
export async function recoverInterrupted(
  store: Store,
  now: Date,
  runningElsewhere: (runId: string) => boolean | Promise<boolean> = () => false,
): Promise<SSEEvent[]> {
  const emitted: SSEEvent[] = [];
  const at = now.toISOString();
  for (const saved of await store.runs.unfinished()) {
    // An in-process `stax run` still going is not interrupted.
    if (await runningElsewhere(saved.id)) continue;
    // The snapshot may trail the run's events by up to a second of steps: they are folded in.
    const run = await withStoredEvents(store, saved);
    const events: SSEEvent[] = [];
    for (const job of run.jobs) {
      if (job.status === "completed") continue;
      for (const step of job.steps) {
        if (step.status === "completed") continue;
        if (step.status === "in_progress")
          events.push(
            makeEvent("step.log", { runId: run.id, jobId: job.id, stepNumber: step.number, line: INTERRUPTED_LINE }),
          );
        Object.assign(step, { status: "completed", conclusion: "cancelled", outcome: "cancelled", completedAt: at });
        events.push(
          makeEvent("step.completed", { runId: run.id, jobId: job.id, stepNumber: step.number, step: { ...step } }),
        );
      }
      Object.assign(job, { status: "completed", conclusion: "cancelled", completedAt: at });
      events.push(makeEvent("job.completed", { runId: run.id, jobId: job.id, job: structuredClone(job) }));
    }
    const done: WorkflowRun = { ...run, status: "completed", conclusion: "cancelled", completedAt: at };
    events.push(makeEvent("run.completed", { runId: run.id, run: done }));
    await store.events.append(events);
    await store.runs.save(done);
    await store.queue.complete(run.id);
    emitted.push(...events);
  }
  return emitted;
}
