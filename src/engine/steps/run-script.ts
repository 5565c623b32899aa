import { chmodSync, closeSync, existsSync, ftruncateSync, openSync, statSync, writeFileSync, writeSync } from "node:fs";
import { basename, delimiter, join, resolve } from "node:path";
import { evaluateString } from "../../expressions/index.js";
import type { StepDef } from "../../workflow/index.js";
import { resolveShell } from "./shell.js";
import type { StepScope } from "./scope.js";
import { failStep, runProcess, type ProcessOutcome, type StartProcess } from "./run-process.js";
import { execInContainer } from "../docker/container-process.js";
import { containerEnv, inContainer, onHost } from "../docker/context.js";
import type { Contexts, ExtraFunctions } from "../../expressions/index.js";

/**
 * A `run:` step (STEP-10..15): the script, after `${{ }}` substitution, is written to
 * `$RUNNER_TEMP/<uuid><ext>` and run by the shell template, in the working directory.
 */
export async function runScript(
  def: StepDef,
  scope: StepScope,
  ctx: Contexts,
  fns: ExtraFunctions,
  env: Record<string, string>,
): Promise<ProcessOutcome> {
  const rt = scope.rt;
  const script = evaluateString(def.run, ctx, fns) ?? "";
  // Composite steps get neither defaults.run (ENV-08, COMP-06).
  const defaults = scope.composite ? {} : rt.defaults;
  // In a job container without bash, the default shell is sh (as on GitHub).
  const shellName =
    evaluateString(def.shell, ctx, fns) ?? defaults.shell ?? (rt.container?.shell === "sh" ? "sh" : undefined);
  const resolved = resolveShell(shellName, [...rt.state.path, env.PATH ?? rt.run.hostEnv.PATH ?? ""].join(delimiter));
  if (!resolved.ok) {
    return failStep(scope, resolved.error);
  }
  const shell = resolved.value;
  const workspace = rt.workspace;
  const wd = evaluateString(def.workingDirectory, ctx, fns) ?? defaults.workingDirectory;
  const mounts = rt.container?.mounts ?? [];
  // A working directory may name the container's paths (`${{ github.workspace }}/sub` in a job container).
  const cwd = wd ? onHost(mounts, resolve(workspace, wd)) : workspace;
  if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
    return failStep(
      scope,
      `An error occurred trying to start process '${shell.command}' with working directory '${cwd}'. No such file or directory`,
    );
  }
  // One script file per job and extension, rewritten for each step: steps of a job run one at a
  // time, and rewriting a file is far cheaper than creating one (STEP-10 uses a new GUID name).
  const file = join(rt.temp, `step-script${shell.ext}`);
  rewrite(file, script);
  // A job container's `--user` reads it too; the run's temp folder (0700) still keeps others out.
  if (rt.container?.user) chmodSync(file, 0o644);
  const args = shell.args.map((a) => a.replace("{0}", file));
  const container = rt.container;
  if (container && rt.services.docker) {
    const engine = rt.services.docker;
    const inside = shell.args.map((a) => a.replace("{0}", inContainer(mounts, file)));
    const start: StartProcess = (procEnv, onLine) =>
      execInContainer(
        engine,
        container.id,
        {
          Cmd: [basename(shell.command), ...inside],
          Env: containerEnv(procEnv, rt.run.hostEnv, mounts),
          WorkingDir: inContainer(mounts, cwd),
        },
        onLine,
      );
    return runProcess(scope, def.id, env, { command: shell.command, args, cwd, start });
  }
  return runProcess(scope, def.id, env, { command: shell.command, args, cwd });
}

/**
 * Writes the step's script over the job's script file. Not with O_TRUNC: on ext4, truncating a
 * file to zero makes its close start writing the data back, and the next step's truncate then
 * waited for that write (0.3-2 ms a step); overwriting in place and cutting to the new length
 * stays in the page cache (~10 µs).
 */
function rewrite(file: string, script: string): void {
  const bytes = Buffer.from(script);
  let fd: number;
  try {
    fd = openSync(file, "r+");
  } catch {
    // 0600: a script holds the step's expanded secrets.
    writeFileSync(file, bytes, { mode: 0o600 });
    return;
  }
  try {
    writeSync(fd, bytes, 0, bytes.length, 0);
    ftruncateSync(fd, bytes.length);
  } finally {
    closeSync(fd);
  }
}
