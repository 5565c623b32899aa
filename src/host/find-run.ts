import { StaxError, type WorkflowRun } from "../contract/index.js";
import { withStoredEvents, type Store } from "../store/index.js";

/** A run by id, unique prefix, number or `last`, or the error that says why there is none. */
export async function findRun(store: Store, ref: string): Promise<WorkflowRun> {
  const found = await store.runs.find(ref);
  if (found === "ambiguous") throw new StaxError("RUN_AMBIGUOUS", `'${ref}' matches more than one run`);
  if (!found) throw new StaxError("RUN_NOT_FOUND", `no run '${ref}'`);
  // The snapshot of a run still going trails its step events (see withStoredEvents).
  return found.status === "completed" ? found : withStoredEvents(store, found);
}
