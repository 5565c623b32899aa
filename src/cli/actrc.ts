/**
 * act's `.actrc` files for `stax run`: `~/.actrc`, `$XDG_CONFIG_HOME/.actrc` (or `~/.config/.actrc`)
 * and `./.actrc`, read in that order before the command line's flags, one flag per line, as act
 * reads them (a line is trimmed and its `$VARS` expanded; a line not starting with `-` is left out;
 * the flag and its value are split at the first white space). The flags stax shares with act are
 * taken under stax's names (act's `-e` is its event file, stax's `--eventpath`); `-P LABEL=-self-hosted`
 * (act's "on this machine") is `--platform LABEL=host`, and `-P LABEL=IMAGE` runs those jobs in a
 * container of IMAGE, as act does. act's other flags (its artifact and cache servers, …) mean
 * nothing here and are left out silently.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** act's flag → stax's, and whether it takes a value. */
const SHARED: Record<string, [string, boolean]> = {
  "-s": ["--secret", true],
  "--secret": ["--secret", true],
  "--secret-file": ["--secret-file", true],
  "--env": ["--env", true],
  "--env-file": ["--env-file", true],
  "--var": ["--var", true],
  "--var-file": ["--var-file", true],
  "--input": ["--input", true],
  "--input-file": ["--input-file", true],
  "-e": ["--eventpath", true],
  "--eventpath": ["--eventpath", true],
  "-a": ["--actor", true],
  "--actor": ["--actor", true],
  "--matrix": ["--matrix", true],
  "--bind": ["--bind", false],
  "-W": ["--workflows", true],
  "--workflows": ["--workflows", true],
};

/** Where act looks, in its order. */
export function actrcFiles(cwd: string, env: NodeJS.ProcessEnv = process.env, home = homedir()): string[] {
  const xdg = env.XDG_CONFIG_HOME ? join(env.XDG_CONFIG_HOME, ".actrc") : join(home, ".config", ".actrc");
  return [join(home, ".actrc"), xdg, join(cwd, ".actrc")];
}

/** One file's flags for `stax run`, under stax's names. */
export function actrcArgs(text: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = expand(raw.trim(), env);
    if (!line.startsWith("-")) continue;
    const space = line.search(/\s/);
    let flag = space < 0 ? line : line.slice(0, space);
    let value = space < 0 ? undefined : line.slice(space + 1).trim();
    const eq = flag.startsWith("--") ? flag.indexOf("=") : -1;
    if (eq > 0 && value === undefined) [flag, value] = [flag.slice(0, eq), flag.slice(eq + 1)];
    if (flag === "-P" || flag === "--platform") {
      const m = /^([^=]+)=(.+)$/.exec(value ?? "");
      if (m) out.push("--platform", `${m[1]}=${m[2] === "-self-hosted" ? "host" : m[2]}`);
      continue;
    }
    const shared = SHARED[flag];
    if (!shared) continue;
    if (!shared[1]) out.push(shared[0]);
    else if (value !== undefined) out.push(shared[0], value);
  }
  return out;
}

/** `$NAME` and `${NAME}` from the environment (unset: empty), as act's os.ExpandEnv. */
function expand(line: string, env: NodeJS.ProcessEnv): string {
  return line.replace(
    /\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_, braced: string | undefined, bare: string | undefined) => env[braced ?? bare ?? ""] ?? "",
  );
}

/**
 * `argv` with every `.actrc`'s flags put right after a `stax run` (before the command line's, which
 * win), and a line for stderr per file that gave some.
 */
export function withActrc(
  argv: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
  home = homedir(),
): { argv: string[]; said: string[] } {
  let i = 2;
  while (i < argv.length && (argv[i] === "--database" || argv[i].startsWith("--database=")))
    i += argv[i] === "--database" ? 2 : 1;
  if (argv[i] !== "run") return { argv, said: [] };
  const added: string[] = [];
  const said: string[] = [];
  for (const file of actrcFiles(cwd, env, home)) {
    const text = readable(file);
    if (text === undefined) continue;
    const args = actrcArgs(text, env);
    if (!args.length) continue;
    added.push(...args);
    said.push(
      `stax: ${file}: ${args.map((a, k) => (args[k - 1] === "--secret" ? a.replace(/=.*/s, "=***") : a)).join(" ")} (act's .actrc)`,
    );
  }
  return { argv: [...argv.slice(0, i + 1), ...added, ...argv.slice(i + 1)], said };
}

/** A file's text; undefined when there is none or it cannot be read (act reads on without it). */
function readable(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
