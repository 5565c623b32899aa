import type { Command } from "commander";
import { StaxError, type WorkflowRun } from "../contract/index.js";
import { openBackend, type Backend } from "./backend.js";
import { RunRenderer } from "./render.js";
import { cliConfig } from "./discovery.js";

/** `--failed`: the log of each failed step only (as `gh run view --log-failed`), each job's header once. */
async function failedLog(b: Backend, run: WorkflowRun, timestamps: boolean): Promise<string> {
  let text = "";
  for (const j of run.jobs) {
    const failed = j.steps.filter((s) => s.conclusion === "failure");
    for (const [i, s] of failed.entries()) {
      const part = await b.logText(run.id, { job: j.id, step: s.number, timestamps });
      text += i === 0 ? part : part.slice(part.indexOf("\n") + 1);
    }
  }
  return text;
}

/**
 * `stax log RUN [-f]`: the run's log; with `-f`, every line so far exactly once (replay from
 * event 0 of that run), then live lines until the run completes, prefixed with their job as
 * `stax run` prints them; exits with the run's code.
 */
export function registerLog(program: Command): void {
  program
    .command("log")
    .description("print a run's log; -f follows it live until the run completes")
    .argument("<run>", "id, unique id prefix, number or 'last'")
    .option("-f, --follow", "follow live; exit 0 on success, 1 on failure or cancel")
    .option("--job <id>", "only this job")
    .option("--step <n>", "only this step number")
    .option("--failed", "only the failed steps' logs (as gh run view --log-failed)")
    .option(
      "-t, --timestamps",
      "each line starts with the time it was stored (UTC, ISO 8601), as gh run view --log prints",
    )
    .option("-w, --workspace <dir>", "workspace")
    .action(
      async (
        ref: string,
        o: {
          follow?: boolean;
          failed?: boolean;
          timestamps?: boolean;
          job?: string;
          step?: string;
          workspace?: string;
        },
      ) => {
        if (o.failed && (o.follow || o.job || o.step))
          throw new StaxError("BAD_REQUEST", "--failed goes with none of -f, --job, --step");
        // Live lines carry no time (the SSE event is exact): -f prints them as `stax run` does.
        if (o.timestamps && o.follow)
          throw new StaxError("BAD_REQUEST", "--timestamps goes without -f (live lines carry no stored time)");
        const timestamps = o.timestamps === true;
        const step = o.step === undefined ? undefined : Number(o.step);
        if (step !== undefined && (!Number.isInteger(step) || step < 1))
          throw new StaxError("BAD_REQUEST", "--step must be a step number (1, 2, …)");
        const b = await openBackend(cliConfig({ workspace: o.workspace }));
        try {
          const run = await b.getRun(ref);
          if (o.failed) {
            const text = await failedLog(b, run, timestamps);
            if (text) process.stdout.write(text);
            else process.stderr.write(`run ${run.number} has no failed step\n`);
            return;
          }
          if (!o.follow) {
            process.stdout.write(await b.logText(run.id, { job: o.job, step, timestamps }));
            return;
          }
          if (!b.client)
            throw new StaxError(
              "RUNNER_UNAVAILABLE",
              "following needs the runner; start it with: stax runner start (or drop -f)",
            );
          let final: WorkflowRun | undefined;
          // As `stax run` prints when piped: each line prefixed with its job, with step headers and results.
          const renderer = new RunRenderer(process.stdout, false);
          await b.client.events({ since: 0, runId: run.id }, (e) => {
            if (e.type === "ping") return false;
            const jobId = "jobId" in e.data ? e.data.jobId : undefined;
            const stepNumber = "stepNumber" in e.data ? e.data.stepNumber : undefined;
            const shown =
              (!o.job || jobId === undefined || jobId === o.job) &&
              (step === undefined || stepNumber === undefined || stepNumber === step);
            if (shown && e.type !== "run.completed") renderer.emit(e);
            if (e.type === "run.completed") {
              final = e.data.run;
              return true;
            }
            return false;
          });
          renderer.finish();
          process.exitCode = final?.conclusion === "success" ? 0 : 1;
        } finally {
          await b.close();
        }
      },
    );
}
