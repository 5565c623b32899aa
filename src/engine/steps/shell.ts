import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { Lru } from "../io/lru.js";
import type { Result } from "../../contract/index.js";
import { splitCommandLine } from "../io/command-line.js";

/** A resolved shell: the program, its arguments with `{0}` replaced later, and the script file extension. */
export interface ShellCommand {
  command: string;
  args: string[];
  ext: string;
}

/** Finds an executable on PATH (which includes GITHUB_PATH entries), like `which`. */
export function which(name: string, path: string | undefined): string | undefined {
  if (isAbsolute(name)) return name;
  // A hit is remembered per PATH (every step asks for its shell) and checked again before use.
  const key = `${name}\0${path}`;
  const hit = found.get(key);
  if (hit && executable(hit)) return hit;
  for (const dir of (path ?? "").split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (executable(p)) {
      found.set(key, p);
      return p;
    }
  }
  return undefined;
}

/** Shell lookups by name and PATH (a step's GITHUB_PATH makes a new PATH), the most recent kept. */
export const shellLookups = new Lru<string, string>(64);
const found = shellLookups;

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const TEMPLATES: Record<string, { args: string[]; ext: string }> = {
  bash: { args: ["--noprofile", "--norc", "-e", "-o", "pipefail", "{0}"], ext: ".sh" },
  sh: { args: ["-e", "{0}"], ext: ".sh" },
  python: { args: ["{0}"], ext: ".py" },
  pwsh: { args: ["-command", ". '{0}'"], ext: ".ps1" },
  powershell: { args: ["-command", ". '{0}'"], ext: ".ps1" },
};

/**
 * STEP-11/12/13: the command line GitHub uses on Linux for a `shell:` value (undefined = the
 * platform default: `bash -e {0}` when bash is on PATH, else `sh -e {0}`), or why there is none
 * (an invalid custom shell, a program not on PATH).
 */
export function resolveShell(shell: string | undefined, path: string | undefined): Result<ShellCommand> {
  if (!shell) {
    const bash = which("bash", path);
    if (bash) return { ok: true, value: { command: bash, args: ["-e", "{0}"], ext: ".sh" } };
    return { ok: true, value: { command: which("sh", path) ?? "sh", args: ["-e", "{0}"], ext: ".sh" } };
  }
  const trimmed = shell.trim();
  const builtin = TEMPLATES[trimmed];
  if (builtin) {
    const command = which(trimmed, path) ?? (trimmed === "python" ? which("python3", path) : undefined);
    if (!command) return { ok: false, error: `shell '${trimmed}' was not found on PATH` };
    return { ok: true, value: { command, args: builtin.args, ext: builtin.ext } };
  }
  const space = trimmed.indexOf(" ");
  const program = space < 0 ? trimmed : trimmed.slice(0, space);
  const rest = space < 0 ? "" : trimmed.slice(space + 1).trim();
  if (!rest.includes("{0}"))
    return {
      ok: false,
      error: `Invalid shell option. Shell must be a valid built-in (bash, sh, python, pwsh) or a format string containing '{0}': '${trimmed}'`,
    };
  const command = which(program, path);
  if (!command) return { ok: false, error: `shell '${program}' was not found on PATH` };
  return { ok: true, value: { command, args: splitCommandLine(rest), ext: "" } };
}

/** Kept here too: the engine's steps import it from this module. */
export { splitCommandLine };
