/**
 * The one place the engine writes GitHub's `##[error]` and `##[debug]` lines to a step's log, so
 * every error looks the same (one line per line of the message, as the runner prints them) and a
 * search for the marker finds this file only.
 */

/** Where a step's log lines go. */
export type LogSink = (line: string) => void;

/** Logs `message` as error lines: each of its lines marked, so a multi-line message stays one error to the reader. */
export function logError(log: LogSink, message: string): void {
  for (const line of message.split("\n")) log(`##[error]${line}`);
}

/** `message` as the error lines `logError` writes, for a step whose lines are passed around before they are logged. */
export function errorLines(message: string): string[] {
  return message.split("\n").map((line) => `##[error]${line}`);
}

/**
 * Logs why an error was swallowed, shown only with step debug (ACTIONS_STEP_DEBUG, CMD-04): the
 * clean-up it interrupted was best-effort, but someone debugging a job wants to see it failed.
 */
export function logDebug(log: LogSink, debug: boolean, message: string): void {
  if (debug) log(`##[debug]${message}`);
}
