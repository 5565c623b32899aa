import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnvFile } from "./envfile.js";
import type { CommandProcessor, StepEffects } from "./command-processor.js";
import type { JobRuntime } from "./runtime.js";

export interface FileCommandPaths {
  GITHUB_ENV: string;
  GITHUB_OUTPUT: string;
  GITHUB_PATH: string;
  GITHUB_STATE: string;
  GITHUB_STEP_SUMMARY: string;
}

let counter = 0;

/** FILE-01: fresh empty files for one step in `$RUNNER_TEMP/_runner_file_commands/`. */
export function prepareFileCommands(dir: string): FileCommandPaths {
  const id = `${process.pid}_${++counter}`;
  const paths = {
    GITHUB_ENV: join(dir, `set_env_${id}`),
    GITHUB_OUTPUT: join(dir, `set_output_${id}`),
    GITHUB_PATH: join(dir, `add_path_${id}`),
    GITHUB_STATE: join(dir, `save_state_${id}`),
    GITHUB_STEP_SUMMARY: join(dir, `step_summary_${id}`),
  };
  for (const p of Object.values(paths)) writeFileSync(p, "");
  return paths;
}

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/**
 * FILE-02..08: applies what the step wrote, after its process exited (also after a failure).
 * A malformed file fails the step with GitHub's message and the parser's reason.
 */
export function processFileCommands(paths: FileCommandPaths, rt: JobRuntime, effects: StepEffects, commands: CommandProcessor, log: (line: string) => void): void {
  const files: [keyof FileCommandPaths, string, (k: string, v: string) => void][] = [
    ["GITHUB_ENV", "env", (k, v) => commands.setEnv(k, v)],
    ["GITHUB_OUTPUT", "output", (k, v) => (effects.outputs[k] = v)],
    ["GITHUB_STATE", "state", (k, v) => (effects.state[k] = v)],
  ];
  for (const [key, label, apply] of files) {
    const content = read(paths[key]);
    if (!content) continue;
    const parsed = parseEnvFile(content);
    if (!parsed.ok) {
      log(`##[error]Unable to process file command '${label}' successfully.`);
      log(`##[error]${parsed.error} (${key} line ${parsed.line})`);
      effects.failure ??= `Unable to process file command '${label}'`;
      continue;
    }
    for (const [k, v] of parsed.pairs) apply(k, v);
  }
  for (const line of read(paths.GITHUB_PATH).split("\n")) {
    const dir = line.replace(/\r$/, "").trim();
    if (dir) commands.addPath(dir);
  }
  const summary = read(paths.GITHUB_STEP_SUMMARY);
  if (summary.trim()) {
    if (Buffer.byteLength(summary) > 1024 * 1024) log("##[error]$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of 1024k");
    else rt.summaries.push(summary.split("\n").map((l) => rt.masker.mask(l)).join("\n"));
  }
}
