import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { StaxError } from "../contract/index.js";
import { loadConfig, type Config, type ConfigFlags } from "../config/config.js";
import { RunnerClient } from "../client/index.js";

/** What a running runner writes into its data folder, so the CLI can find it. */
export interface RunnerState {
  pid: number;
  url: string;
  workspace: string;
  startedAt: string;
}

export const stateFile = (c: Config): string => join(c.dataDir, "runner.json");
export const tokenFile = (c: Config): string => join(c.dataDir, "token");
export const logFile = (c: Config): string => join(c.dataDir, "runner.log");

/** Configuration from the environment and the common flags. */
export function cliConfig(flags: ConfigFlags = {}): Readonly<Config> {
  return loadConfig(process.env, flags);
}

export function readState(c: Config): RunnerState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(c), "utf8")) as RunnerState;
  } catch {
    return undefined;
  }
}

/** The token to send: STAX_TOKEN, else the one the runner generated into the data folder. */
export function readToken(c: Config): string | undefined {
  if (c.token) return c.token;
  const f = tokenFile(c);
  return existsSync(f) ? readFileSync(f, "utf8").trim() : undefined;
}

/**
 * The runner of this workspace, if one answers: `RUNNER_URL` when set (any workspace), else the
 * URL its state file records, else the configured port — checked to serve the same workspace.
 */
export async function findRunner(c: Config): Promise<RunnerClient | undefined> {
  const token = readToken(c);
  if (c.runnerUrl) {
    const client = new RunnerClient(c.runnerUrl.replace(/\/$/, ""), token);
    return (await client.health()) ? client : undefined;
  }
  const urls = [readState(c)?.url, `http://127.0.0.1:${c.port}`].filter((u): u is string => !!u);
  for (const url of new Set(urls)) {
    const client = new RunnerClient(url, token);
    const h = await client.health();
    if (h && h.workspace === c.workspace) return client;
  }
  return undefined;
}

/** Like findRunner, but a usage error naming the fix when none answers. */
export async function requireRunner(c: Config): Promise<RunnerClient> {
  const client = await findRunner(c);
  if (!client)
    throw new StaxError(
      "RUNNER_UNAVAILABLE",
      `no runner is serving ${c.workspace}; start one with: stax runner start${c.runnerUrl ? ` (RUNNER_URL=${c.runnerUrl} does not answer)` : ""}`,
    );
  return client;
}
