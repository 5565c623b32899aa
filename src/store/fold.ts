import type { WorkflowRun } from "../contract/index.js";
import { applyStoredEvent } from "../contract/index.js";
import type { Store } from "./store.js";

/**
 * `run` with its stored job and step events up to id `upTo` applied. A run's stored snapshot trails
 * its events: the recorder saves it with run and job events and at most once a second otherwise
 * (saving the whole run on every step cost more than the step), so whoever reads an unfinished
 * run from the store folds its events in. Each event carries a whole copy of its job or step:
 * one applied again changes nothing.
 */
export async function withStoredEvents(store: Store, run: WorkflowRun, upTo = Infinity): Promise<WorkflowRun> {
  for (let after = 0; after < upTo;) {
    const batch = await store.events.readSince(after, { runId: run.id, noLogs: true, limit: PAGE });
    for (const e of batch) if (e.id <= upTo) applyStoredEvent(run, e);
    if (batch.length < PAGE) break;
    after = batch[batch.length - 1].id;
  }
  return run;
}

const PAGE = 10_000;
