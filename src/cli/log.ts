import type { Command } from "commander";
import { StaxError, type WorkflowRun } from "../contract/index.js";
import { openBackend } from "./backend.js";
import { cliConfig } from "./context.js";

/**
 * `stax log RUN [-f]`: the run's log; with `-f`, every line so far exactly once (replay from
 * event 0 of that run), then live lines until the run completes; exits with the run's code.
 */
export function registerLog(program: Command): void {
  program
    .command("log")
    .description("print a run's log; -f follows it live until the run completes")
    .argument("<run>", "id, unique id prefix, number or 'last'")
    .option("-f, --follow", "follow live; exit 0 on success, 1 on failure or cancel")
    .option("--job <id>", "only this job")
    .option("--step <n>", "only this step number")
    .option("-w, --workspace <dir>", "workspace")
    .action(async (ref: string, o: { follow?: boolean; job?: string; step?: string; workspace?: string }) => {
      const step = o.step === undefined ? undefined : Number(o.step);
      if (step !== undefined && (!Number.isInteger(step) || step < 1)) throw new StaxError("BAD_REQUEST", "--step must be a step number (1, 2, …)");
      const b = await openBackend(cliConfig({ workspace: o.workspace }));
      try {
        const run = await b.getRun(ref);
        if (!o.follow) {
          process.stdout.write(await b.logText(run.id, { job: o.job, step }));
          return;
        }
        if (!b.client) throw new StaxError("RUNNER_UNAVAILABLE", "following needs the runner; start it with: stax runner start (or drop -f)");
        let final: WorkflowRun | undefined;
        await b.client.events({ since: 0, runId: run.id }, (e) => {
          if (e.type === "step.log") {
            if ((!o.job || e.data.jobId === o.job) && (step === undefined || e.data.stepNumber === step)) process.stdout.write(e.data.line);
          } else if (e.type === "run.completed") {
            final = e.data.run;
            return true;
          }
          return false;
        });
        process.exitCode = final?.conclusion === "success" ? 0 : 1;
      } finally {
        await b.close();
      }
    });
}
