import type { Command } from "commander";
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname, resolve } from "node:path";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { StaxError } from "../contract/index.js";
import { startRunner } from "../server/app.js";
import { RunnerClient } from "../client/index.js";
import { cliConfig, findRunner, logFile, readState, stateFile, tokenFile, type RunnerState } from "./discovery.js";
import { isLoopbackHost, type Config } from "../config/config.js";
import { launchWorker } from "./worker.js";

import { VERSION } from "./version.js";

/** Off loopback a token is required: STAX_TOKEN, or one generated once into the data folder (0600). */
function tokenFor(c: Config): string | undefined {
  if (c.token) return c.token;
  if (isLoopbackHost(c.host)) return undefined;
  const f = tokenFile(c);
  if (!existsSync(f)) writeFileSync(f, randomBytes(24).toString("hex"), { mode: 0o600 });
  return readFileSync(f, "utf8").trim();
}

function banner(url: string, workspace: string, token: boolean): string {
  return [
    `stax runner ${VERSION}`,
    `  API:       ${url}/api`,
    `  Events:    ${url}/api/events`,
    `  Health:    ${url}/health`,
    `  Dashboard: ${url}/`,
    `  Workspace: ${workspace}`,
    ...(token ? ["  Token:     required (Authorization: Bearer …; see the data folder's token file)"] : []),
  ].join("\n");
}

/** The dashboard's built files next to the bundle (dist/cli.js → web/dist). */
function webRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "web", "dist");
}

async function foreground(c: Config, withWorker: boolean): Promise<void> {
  mkdirSync(c.dataDir, { recursive: true, mode: 0o700 });
  const token = tokenFor(c);
  const runner = await startRunner({ config: c, version: VERSION, hostEnv: process.env, webRoot: webRoot(), token });
  const state: RunnerState = {
    pid: process.pid,
    url: runner.url,
    workspace: c.workspace,
    startedAt: new Date().toISOString(),
  };
  // Written whole or not at all: \`runner status\`, \`start\` and tests poll for this file.
  writeFileSync(`${stateFile(c)}.tmp`, JSON.stringify(state), { mode: 0o600 });
  renameSync(`${stateFile(c)}.tmp`, stateFile(c));
  console.log(banner(runner.url, c.workspace, !!token));
  // A front-end runs no legs itself unless asked to: then a worker in this process takes them.
  const worker = withWorker
    ? await launchWorker(c, { name: `${hostname()}-${process.pid}` }, (line) => console.log(`worker: ${line}`))
    : undefined;
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log("stax runner: stopping; running runs are cancelled");
    await Promise.all([runner.close(), worker?.stop(true)]);
    if (readState(c)?.pid === process.pid) rmSync(stateFile(c), { force: true });
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

async function background(c: Config, args: string[]): Promise<void> {
  mkdirSync(c.dataDir, { recursive: true, mode: 0o700 });
  rmSync(stateFile(c), { force: true });
  const out = openSync(logFile(c), "a", 0o600);
  const child = spawn(process.execPath, [process.argv[1], "runner", "start", "--foreground", ...args], {
    detached: true,
    stdio: ["ignore", out, out],
    env: process.env,
  });
  child.unref();
  closeSync(out);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const state = readState(c);
    if (state && state.pid === child.pid && (await new RunnerClient(state.url, tokenFor(c)).health())) {
      console.log(banner(state.url, c.workspace, !!tokenFor(c)));
      console.log(`  Log:       ${logFile(c)} (pid ${state.pid})`);
      return;
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new StaxError(
    "RUNNER_UNAVAILABLE",
    `the runner did not start; see ${logFile(c)}:\n${readFileSync(logFile(c), "utf8").split("\n").slice(-8).join("\n")}`,
  );
}

/** `stax runner start|stop|status`. */
export function registerRunner(program: Command): void {
  const runner = program.command("runner").description("the runner process: REST API, SSE events and the dashboard");
  runner
    .command("start")
    .description("start the runner (in the background unless --foreground)")
    .option("-p, --port <port>", "port (STAX_PORT, PORT; default 4800; 0 picks a free one)")
    .option("-H, --host <host>", "address to bind (STAX_HOST; default 127.0.0.1)")
    .option("-w, --workspace <dir>", "workspace (STAX_WORKSPACE; default the current folder)")
    .option("--foreground", "stay in the foreground")
    .option(
      "--max-jobs <n>",
      "job legs that run at once across all runs (STAX_MAX_JOBS; default 4 × the cores); more wait, queued",
    )
    .option("--with-worker", "with a shared store: also run legs in this process (a front-end runs none by default)")
    .action(
      async (o: {
        port?: string;
        host?: string;
        workspace?: string;
        foreground?: boolean;
        maxJobs?: string;
        withWorker?: boolean;
      }) => {
        const c = cliConfig({ port: o.port, host: o.host, workspace: o.workspace, maxJobs: o.maxJobs });
        if (o.withWorker && !c.databaseUrl)
          throw new StaxError(
            "BAD_REQUEST",
            "--with-worker goes with a shared store (STAX_DATABASE_URL or --database); without one the runner runs every leg itself",
          );
        if (o.foreground) return foreground(c, !!o.withWorker);
        const existing = await findRunner(c);
        if (existing) {
          console.log(`stax runner: already running at ${existing.baseUrl} for ${c.workspace}`);
          return;
        }
        const args = [
          ...(o.port ? ["--port", o.port] : []),
          ...(o.host ? ["--host", o.host] : []),
          ...(o.maxJobs ? ["--max-jobs", o.maxJobs] : []),
          "--workspace",
          c.workspace,
          ...(o.withWorker ? ["--with-worker"] : []),
        ];
        await background(c, args);
      },
    );
  runner
    .command("stop")
    .description("stop the runner of this workspace (running runs are recorded as cancelled)")
    .option("-w, --workspace <dir>", "workspace")
    .action(async (o: { workspace?: string }) => {
      const c = cliConfig({ workspace: o.workspace });
      const state = readState(c);
      if (!state) {
        console.log("stax runner: not running");
        return;
      }
      try {
        process.kill(state.pid, "SIGTERM");
      } catch {
        rmSync(stateFile(c), { force: true });
        console.log("stax runner: not running (removed a stale state file)");
        return;
      }
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && isAlive(state.pid)) await new Promise((r) => setTimeout(r, 100));
      console.log(isAlive(state.pid) ? `stax runner: pid ${state.pid} did not stop` : "stax runner: stopped");
      if (isAlive(state.pid)) process.exitCode = 1;
    });
  runner
    .command("status")
    .description("whether a runner serves this workspace, and where")
    .option("-w, --workspace <dir>", "workspace")
    .option("--json", "as JSON")
    .action(async (o: { workspace?: string; json?: boolean }) => {
      const c = cliConfig({ workspace: o.workspace });
      const client = await findRunner(c);
      const state = readState(c);
      const status = client
        ? { running: true, url: client.baseUrl, workspace: c.workspace, pid: state?.pid }
        : { running: false, workspace: c.workspace };
      if (o.json) console.log(JSON.stringify(status, null, 2));
      else
        console.log(
          client
            ? `stax runner: running at ${client.baseUrl} (pid ${state?.pid ?? "?"}) for ${c.workspace}`
            : `stax runner: not running for ${c.workspace}`,
        );
      process.exitCode = client ? 0 : 1;
    });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
