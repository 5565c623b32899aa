import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnvFile } from "./envfile.js";
import { Lru } from "./lru.js";
import { size, STEP_OUTPUTS_LIMIT } from "./output-limits.js";
import type { CommandProcessor, JobEffects, StepEffects } from "./command-processor.js";
import { logError } from "./log-lines.js";

export interface FileCommandPaths {
  GITHUB_ENV: string;
  GITHUB_OUTPUT: string;
  GITHUB_PATH: string;
  GITHUB_STATE: string;
  GITHUB_STEP_SUMMARY: string;
}

/** Folders whose five files exist (one per job); a folder forgotten here only gets its files created again, empty. */
export const fileCommandDirs = new Lru<string, true>(256);

/**
 * FILE-01: empty files for one step in `$RUNNER_TEMP/_runner_file_commands/`. GitHub names them
 * with a new GUID per step; stax reuses the same five files of the job instead (a job's steps run
 * one after another): they are created once, and emptied after a step only when it wrote to
 * them. Creating and truncating files was most of stax's per-step overhead (`npm run bench`).
 */
export function prepareFileCommands(dir: string): FileCommandPaths {
  const paths = {
    GITHUB_ENV: join(dir, "set_env"),
    GITHUB_OUTPUT: join(dir, "set_output"),
    GITHUB_PATH: join(dir, "add_path"),
    GITHUB_STATE: join(dir, "save_state"),
    GITHUB_STEP_SUMMARY: join(dir, "step_summary"),
  };
  if (!fileCommandDirs.get(dir)) {
    for (const p of Object.values(paths)) writeFileSync(p, "", { mode: 0o600 });
    fileCommandDirs.set(dir, true);
  }
  return paths;
}

/**
 * Reads what a step wrote and leaves the file empty (recreated if the step deleted it). A file
 * larger than `max` bytes is emptied unread: `onTooLarge` is told its size.
 */
function take(path: string, max = Infinity, onTooLarge?: (bytes: number) => void): string {
  try {
    const bytes = statSync(path).size;
    if (bytes > max) {
      writeFileSync(path, "");
      onTooLarge?.(bytes);
      return "";
    }
    const content = readFileSync(path, "utf8");
    if (content) writeFileSync(path, "");
    return content;
  } catch {
    writeFileSync(path, "", { mode: 0o600 });
    return "";
  }
}

/**
 * FILE-02..08: reads what the step wrote, after its process exited (also after a failure): its
 * outputs and state into `effects`, what it changes in the job into `changes`. A malformed file
 * fails the step with GitHub's message and the parser's reason.
 */
export function processFileCommands(
  paths: FileCommandPaths,
  effects: StepEffects,
  changes: JobEffects,
  commands: CommandProcessor,
  log: (line: string) => void,
): void {
  const files: [keyof FileCommandPaths, string, (k: string, v: string) => void][] = [
    ["GITHUB_ENV", "env", (k, v) => commands.setEnv(k, v)],
    ["GITHUB_OUTPUT", "output", (k, v) => commands.setOutput(k, v)],
    ["GITHUB_STATE", "state", (k, v) => (effects.state[k] = v)],
  ];
  for (const [key, label, apply] of files) {
    // A file bigger than all the outputs a step may have is not read into memory.
    const content = take(paths[key], STEP_OUTPUTS_LIMIT, (bytes) => {
      logError(
        log,
        `Unable to process file command '${label}' successfully: ${key} holds ${size(bytes)}, more than stax reads (${size(STEP_OUTPUTS_LIMIT)} per step).`,
      );
      effects.failure ??= `Unable to process file command '${label}'`;
    });
    if (!content) continue;
    const parsed = parseEnvFile(content);
    if (!parsed.ok) {
      logError(log, `Unable to process file command '${label}' successfully.`);
      logError(log, `${parsed.error.message} (${key} line ${parsed.error.line})`);
      effects.failure ??= `Unable to process file command '${label}'`;
      continue;
    }
    for (const [k, v] of parsed.value) apply(k, v);
  }
  for (const line of take(paths.GITHUB_PATH).split("\n")) {
    const dir = line.replace(/\r$/, "").trim();
    if (dir) commands.addPath(dir);
  }
  const summary = take(paths.GITHUB_STEP_SUMMARY);
  if (summary.trim()) {
    if (Buffer.byteLength(summary) > 1024 * 1024)
      logError(log, "$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of 1024k");
    else changes.summary = summary;
  }
}
