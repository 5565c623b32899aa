import { CommandProcessor, type JobEffects, type StepEffects } from "../io/command-processor.js";
import { prepareFileCommands, processFileCommands } from "../io/file-commands.js";
import { spawnStep, type RunningProcess } from "../io/process.js";
import type { StepScope } from "./scope.js";
import { processEnv } from "./step-env.js";
import { logError } from "../io/log-lines.js";
// The rooms above steps (job, plan) reach the error lines through here, beside `failStep`.
export { errorLines, logDebug, logError } from "../io/log-lines.js";

/** Starts a step somewhere else than a host process (a container), given its env and line sink. */
export type StartProcess = (env: Record<string, string>, onLine: (line: string) => void) => RunningProcess;

/** How a step's process ended, with what its commands and files produced. */
export interface ProcessOutcome {
  result: "success" | "failure" | "cancelled";
  effects?: StepEffects;
  /**
   * What a built-in action changes in its job (setup-node's PATH entry), applied by `runAction`.
   * A process's changes are applied by `runProcess` as it ends and never returned here.
   */
  changes?: JobEffects;
}

/**
 * A step that fails for a reason stax states (a missing input, an action it cannot find, Docker it
 * cannot reach): each line logged as an error line (`logError`), then the failure, as a step process's own would.
 */
export function failStep(scope: { log: (line: string) => void }, ...lines: string[]): ProcessOutcome {
  for (const line of lines) logError(scope.log, line);
  return { result: "failure" };
}

/**
 * Runs one step process with GitHub's I/O around it: fresh file-command files, workflow
 * commands on every output line, cancel (JOB-15) and exit code handling (STEP-15), then the
 * file commands (FILE-02) — even when the process failed.
 */
export async function runProcess(
  scope: StepScope,
  stepId: string,
  env: Record<string, string>,
  spec: { command: string; args: string[]; cwd: string; extraEnv?: Record<string, string>; start?: StartProcess },
): Promise<ProcessOutcome> {
  const rt = scope.rt;
  const files = prepareFileCommands(rt.commandDir);
  const effects: StepEffects = { outputs: {}, state: {} };
  const changes: JobEffects = { env: {}, path: [] };
  const allowUnsecure = (env.ACTIONS_ALLOW_UNSECURE_COMMANDS ?? "").toLowerCase() === "true";
  const debug = rt.debug;
  const commands = new CommandProcessor(effects, changes, (value) => rt.state.addMask(value), scope.log, {
    allowUnsecure,
    debug,
  });
  const procEnv = processEnv(scope, env, stepId, files, spec.extraEnv);
  const onLine = (line: string) => commands.line(line);
  const proc = spec.start
    ? spec.start(procEnv, onLine)
    : spawnStep({ command: spec.command, args: spec.args, cwd: spec.cwd, env: procEnv, onLine });
  const recorder = proc.pid === undefined ? undefined : rt.services.processes;
  recorder?.started(proc.pid!, rt.trackingId);
  let stopped = false;
  rt.state.processStarted((hard) => {
    stopped = true;
    if (hard) proc.kill();
    else proc.stop(rt.run.grace);
  });
  if (rt.run.flags.hardStop) proc.kill();
  const { code, error } = await proc.exit;
  recorder?.ended(proc.pid!);
  rt.state.processEnded();
  if (error) logError(scope.log, error);
  processFileCommands(files, effects, changes, commands, scope.log);
  rt.state.apply(changes);
  if (stopped && code !== 0) return { result: "cancelled", effects };
  if (code !== 0) {
    logError(scope.log, `Process completed with exit code ${code}.`);
    return { result: "failure", effects };
  }
  return { result: effects.failure ? "failure" : "success", effects };
}
