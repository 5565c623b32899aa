import { spawn } from "node:child_process";

export interface SpawnSpec {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Called once per complete output line (stdout and stderr), without its newline. */
  onLine: (line: string) => void;
}

export interface RunningProcess {
  /** The host process's pid, which is also its process group's id (absent for container steps). */
  readonly pid?: number;
  /** Resolves with the exit code (signals map to 128 + n), or an error message when it could not start. */
  readonly exit: Promise<{ code: number; error?: string }>;
  /** JOB-15: SIGINT, then SIGTERM after `grace[0]` s, then SIGKILL after `grace[1]` s more, to the whole group. */
  stop(grace: [number, number]): void;
  /** SIGKILL to the whole process group now. */
  kill(): void;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

/**
 * Spawns a step's process in its own process group (so cancel reaches its whole tree) and
 * splits stdout and stderr into lines as they arrive; a last line without newline is flushed at exit.
 */
export function spawnStep(spec: SpawnSpec): RunningProcess {
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const timers: NodeJS.Timeout[] = [];
  const signal = (sig: NodeJS.Signals): void => {
    if (child.pid === undefined || child.exitCode !== null) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      try {
        child.kill(sig);
      } catch {
        // already gone
      }
    }
  };
  const pipe = (stream: NodeJS.ReadableStream): Promise<void> =>
    new Promise((resolve) => {
      const lines = lineSplitter(spec.onLine);
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => lines.push(chunk));
      const flush = (): void => {
        lines.end();
        resolve();
      };
      stream.on("end", flush);
      stream.on("close", flush);
      stream.on("error", flush);
    });
  const streams = Promise.all([pipe(child.stdout!), pipe(child.stderr!)]);
  const exit = new Promise<{ code: number; error?: string }>((resolve) => {
    const finish = (result: { code: number; error?: string }): void => {
      timers.forEach(clearTimeout);
      resolve(result);
    };
    child.on("error", (err) => finish({ code: 127, error: `${spec.command}: ${err.message}` }));
    child.on("exit", (c, sig) => {
      const code = c ?? 128 + (SIGNALS[sig ?? ""] ?? 1);
      // A background grandchild may hold the pipes open: read what is there, then stop waiting.
      const late = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, 300);
      streams.then(() => {
        clearTimeout(late);
        finish({ code });
      });
    });
  });
  return {
    pid: child.pid,
    exit,
    stop(grace) {
      timers.push(...escalate(grace, signal));
    },
    kill() {
      signal("SIGKILL");
    },
  };
}

/** JOB-15's escalation: SIGINT now, SIGTERM after `grace[0]` s, SIGKILL after `grace[1]` s more. */
export function escalate(
  grace: [number, number],
  send: (sig: "SIGINT" | "SIGTERM" | "SIGKILL") => void,
): NodeJS.Timeout[] {
  send("SIGINT");
  return [
    setTimeout(() => send("SIGTERM"), grace[0] * 1000).unref(),
    setTimeout(() => send("SIGKILL"), (grace[0] + grace[1]) * 1000).unref(),
  ];
}

/**
 * The longest line stax keeps whole (characters): a longer one is cut into pieces of this length,
 * each but the last ending with LINE_CUT_MARK, so memory per step stays bounded whatever it prints.
 */
export const MAX_LINE = 1024 * 1024;
export const LINE_CUT_MARK = ` [stax: line cut at ${MAX_LINE} characters; it goes on in the next line]`;

/**
 * Calls `onLine` per complete line of text arriving in pieces (newline dropped); `end()` flushes
 * the rest. A line longer than MAX_LINE is passed on in marked pieces as it arrives.
 */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: string): void; end(): void } {
  let rest = "";
  /** Adds text without a newline to the pending line, passing on full pieces. */
  const append = (text: string): void => {
    while (rest.length + text.length > MAX_LINE) {
      const take = MAX_LINE - rest.length;
      onLine(rest + text.slice(0, take) + LINE_CUT_MARK);
      rest = "";
      text = text.slice(take);
    }
    rest += text;
  };
  return {
    push(chunk) {
      let start = 0;
      let nl: number;
      while ((nl = chunk.indexOf("\n", start)) >= 0) {
        if (rest === "" && nl - start <= MAX_LINE) onLine(chunk.slice(start, nl));
        else {
          append(chunk.slice(start, nl));
          onLine(rest);
          rest = "";
        }
        start = nl + 1;
      }
      if (start < chunk.length) append(chunk.slice(start));
    },
    end() {
      if (rest) onLine(rest);
      rest = "";
    },
  };
}
