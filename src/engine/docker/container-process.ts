/**
 * A step that runs in a container, shaped like a host process (`RunningProcess`), so the same
 * workflow-command, file-command and cancel handling applies: a one-shot container (Docker
 * actions, `docker://`), or a command executed in the job's container.
 */
import { escalate, lineSplitter, type RunningProcess } from "../io/process.js";
import { randomBytes } from "node:crypto";
import type { DockerEngine, ExecSpec } from "./engine.js";
import { errorMessage } from "../../contract/index.js";

/**
 * Creates, starts and follows a container; removes it when done. It runs under the engine's init
 * (`Init`: PID 1 passes signals on), so the step's own command is not PID 1, which the kernel
 * shields from every signal it does not handle: stop's SIGINT and SIGTERM reach it and, through
 * `kill -1` from inside, every other process of the container (JOB-15).
 */
export function runContainer(
  engine: DockerEngine,
  spec: Record<string, unknown>,
  onLine: (line: string) => void,
): RunningProcess {
  let id: string | undefined;
  let killed = false;
  const timers: NodeJS.Timeout[] = [];
  const exit = (async () => {
    const lines = lineSplitter(onLine);
    try {
      id = await createWithInit(engine, spec);
      if (killed) return { code: 137 };
      await engine.start(id);
      await engine.follow(id, (t) => lines.push(t));
      lines.end();
      return { code: await engine.wait(id) };
    } catch (err) {
      lines.end();
      return { code: 1, error: errorMessage(err) };
    } finally {
      timers.forEach(clearTimeout);
      if (id) await engine.remove(id);
    }
  })();
  const signal = (c: string, sig: string): void => {
    if (sig === "SIGKILL") return void engine.kill(c, sig);
    // An image without a shell: the init passes the signal to the command alone.
    const fallback = () => void engine.kill(c, sig);
    void engine
      .exec(
        c,
        { Cmd: ["sh", "-c", 'kill -s "$1" -1', "stax-signal", sig.replace(/^SIG/, "")], Env: [], User: "0" },
        () => {},
      )
      .then((code) => code !== 0 && fallback(), fallback);
  };
  return {
    exit,
    stop(grace) {
      if (!id) return void (killed = true);
      const c = id;
      timers.push(...escalate(grace, (sig) => signal(c, sig)));
    },
    kill() {
      killed = true;
      if (id) void engine.kill(id, "SIGKILL");
    },
  };
}

/** `create` with the engine's init; an engine that has none (some Podman set-ups) creates it without. */
async function createWithInit(engine: DockerEngine, spec: Record<string, unknown>): Promise<string> {
  const host = (spec.HostConfig ?? {}) as Record<string, unknown>;
  try {
    return await engine.create({ ...spec, HostConfig: { ...host, Init: true } });
  } catch (err) {
    if (!/\binit\b/i.test(errorMessage(err))) throw err;
    return engine.create(spec);
  }
}

/**
 * The variable that marks a step's processes in the job container. An exec has no signal API and
 * its processes are not stax's children, so stop finds them by this mark (inherited by the whole
 * tree the step starts) and signals each one from inside the container.
 */
export const STEP_MARK = "STAX_STEP_PROCESS";

/** `sh -c` script: signal $1 to every process whose environment holds `STAX_STEP_PROCESS=$2`. */
const SIGNAL_MARKED = `for d in /proc/[0-9]*; do if tr '\\0' '\\n' < "$d/environ" 2>/dev/null | grep -qx "${STEP_MARK}=$2"; then kill -"$1" "\${d#/proc/}" 2>/dev/null; fi; done; true`;

/** How long after SIGKILL stax stops waiting for an exec's stream (the container's removal ends whatever is left). */
const GIVE_UP_MS = 5000;

/** Runs a command in the (running) job container; stop and kill reach every process it starts there (JOB-15). */
export function execInContainer(
  engine: DockerEngine,
  container: string,
  spec: ExecSpec,
  onLine: (line: string) => void,
): RunningProcess {
  const lines = lineSplitter(onLine);
  const mark = randomBytes(8).toString("hex");
  const abort = new AbortController();
  const timers: NodeJS.Timeout[] = [];
  let ended = false;
  const exit = engine
    .exec(container, { ...spec, Env: [...spec.Env, `${STEP_MARK}=${mark}`] }, (t) => lines.push(t), abort.signal)
    .then(
      (code) => ({ code }),
      (err: Error) => (abort.signal.aborted ? { code: 137 } : { code: 1, error: err.message }),
    )
    .then((r) => {
      ended = true;
      timers.forEach(clearTimeout);
      lines.end();
      return r;
    });
  // As root, so a step that switched user (or runs as the container's `--user`) is reached too.
  const signal = (sig: string): void => {
    if (ended) return;
    void engine
      .exec(
        container,
        { Cmd: ["sh", "-c", SIGNAL_MARKED, "stax-signal", sig.replace(/^SIG/, ""), mark], Env: [], User: "0" },
        () => {},
      )
      .catch(() => undefined);
    if (sig === "SIGKILL") timers.push(setTimeout(() => abort.abort(), GIVE_UP_MS).unref());
  };
  return {
    exit,
    stop(grace) {
      timers.push(...escalate(grace, signal));
    },
    kill() {
      signal("SIGKILL");
    },
  };
}
