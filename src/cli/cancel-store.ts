import { StaxError, type WorkflowRun } from "../contract/index.js";
import type { Config } from "../config/config.js";
import { findRun } from "../host/find-run.js";
import { connectStore } from "../store/index.js";

/**
 * `stax cancel` with no runner serving the workspace: the cancel flag is set in the store, as a
 * runner sets it for a run another process executes; the process that executes the run (a
 * `stax run` in another terminal, or a front-end of a fleet) polls that flag and cancels it.
 */
export async function cancelInStore(c: Readonly<Config>, ref: string): Promise<WorkflowRun> {
  const store = await connectStore(c);
  try {
    const run = await findRun(store, ref);
    if (run.status === "completed")
      throw new StaxError("RUN_FINISHED", `run ${run.number} (${run.id}) has already completed`);
    // A run between coordinators (its front-end died, another takes it over within a lease) keeps the flag for the next one.
    const between = !!c.databaseUrl && !!(await store.queue.request(run.id))?.coordination;
    if (!between && !(await store.queue.owner(run.id, new Date()))) {
      throw new StaxError(
        "RUN_NOT_HERE",
        `run ${run.number} (${run.id}) is not executed by any live process (a crash left it unfinished; the next runner start marks it cancelled)`,
      );
    }
    await store.queue.requestCancel(run.id);
    return run;
  } finally {
    await store.close();
  }
}
