/**
 * A step that runs in a container, shaped like a host process (`RunningProcess`), so the same
 * workflow-command, file-command and cancel handling applies: a one-shot container (Docker
 * actions, `docker://`), or a command executed in the job's container.
 */
import { escalate, lineSplitter, type RunningProcess } from "../io/process.js";
import type { DockerEngine } from "./engine.js";
import { errorMessage } from "../../contract/index.js";

/** Creates, starts and follows a container; removes it when done. */
export function runContainer(engine: DockerEngine, spec: Record<string, unknown>, onLine: (line: string) => void): RunningProcess {
  let id: string | undefined;
  let killed = false;
  const exit = (async () => {
    const lines = lineSplitter(onLine);
    try {
      id = await engine.create(spec);
      if (killed) return { code: 137 };
      await engine.start(id);
      await engine.follow(id, (t) => lines.push(t));
      lines.end();
      return { code: await engine.wait(id) };
    } catch (err) {
      lines.end();
      return { code: 1, error: errorMessage(err) };
    } finally {
      if (id) await engine.remove(id);
    }
  })();
  return {
    exit,
    stop(grace) {
      if (!id) return void (killed = true);
      const c = id;
      escalate(grace, (sig) => void engine.kill(c, sig));
    },
    kill() {
      killed = true;
      if (id) void engine.kill(id, "SIGKILL");
    },
  };
}

/** Runs a command in the (running) job container. */
export function execInContainer(engine: DockerEngine, container: string, spec: { Cmd: string[]; Env: string[]; WorkingDir?: string }, onLine: (line: string) => void): RunningProcess {
  const lines = lineSplitter(onLine);
  const exit = engine
    .exec(container, spec, (t) => lines.push(t))
    .then(
      (code) => {
        lines.end();
        return { code };
      },
      (err: Error) => {
        lines.end();
        return { code: 1, error: err.message };
      },
    );
  // An exec has no signal API: stopping runs `kill` inside the container on the step's script.
  const signal = (sig: string) => void engine.exec(container, { Cmd: ["sh", "-c", `pkill -${sig.replace(/^SIG/, "")} -f '${spec.Cmd.at(-1)}' || true`], Env: [] }, () => {}).catch(() => undefined);
  return {
    exit,
    stop(grace) {
      escalate(grace, signal);
    },
    kill() {
      signal("SIGKILL");
    },
  };
}
