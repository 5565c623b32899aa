import { createHash } from "node:crypto";
import { availableParallelism, homedir } from "node:os";
import { basename, join, resolve } from "node:path";
import { StaxError } from "../contract/index.js";

/** Everything configurable, validated once at start-up and frozen (README, Configuration). */
export interface Config {
  port: number;
  host: string;
  workspace: string;
  /** Data root (`STAX_HOME`). */
  home: string;
  /** This workspace's folder under the data root: store, pid file, log, token, key. */
  dataDir: string;
  token?: string;
  secretsKey?: string;
  actionsCache: string;
  sandboxDir: string;
  /** Extra CORS origins besides the runner's own and localhost/127.0.0.1 ones. */
  allowedOrigins: string[];
  /** Keepalive `ping` interval of the SSE stream. */
  pingIntervalMs: number;
  /** Retention: keep at most this many runs, and none older than this many days (0 = no limit). */
  retention: { maxRuns: number; maxAgeDays: number };
  /** Where the CLI looks for a runner. */
  runnerUrl?: string;
  /** DOCKER_HOST: the Docker engine for container steps (default: the local socket). */
  dockerHost?: string;
  /** Job legs that run at once across all runs (`STAX_MAX_JOBS`, `--max-jobs`); more wait, queued. */
  maxJobs: number;
  /** `STAX_DATABASE_URL` / `--database`: a PostgreSQL store shared by many processes and machines; unset, the embedded SQLite store. */
  databaseUrl?: string;
  /** Many machines: a leg (or run) whose executor sent no heartbeat for this long is lost (`STAX_LEASE_SECONDS`, default 30). */
  leaseMs: number;
  /** actions/cache on this machine (and shared, with many machines): `STAX_CACHE_MAX_MB` (default 10240) in all, entries unused for `STAX_CACHE_IDLE_DAYS` (default 7) removed. */
  cacheLimits: { maxBytes: number; idleDays: number };
  /** `STAX_PRIVATE_HOME` / `stax run --private-home`: every job's steps get a HOME of the job's own (engine/steps/private-home.ts). */
  privateHome: boolean;
  /** The HTTP server's timeouts and connection caps (README, Configuration): what slow or greedy clients may hold. */
  connections: ConnectionLimits;
}

/** What one client (by address) and all clients may hold of the runner's HTTP server. */
export interface ConnectionLimits {
  /** A request's headers must arrive within this (`STAX_HEADERS_TIMEOUT_SECONDS`, default 5). */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (`STAX_KEEPALIVE_TIMEOUT_SECONDS`, default 5). */
  keepAliveTimeoutMs: number;
  /** Connections that are not SSE streams: per client address and in all (`STAX_MAX_CONNECTIONS_PER_CLIENT`, `STAX_MAX_CONNECTIONS`). */
  perClient: number;
  total: number;
  /** SSE streams (`GET /api/events`), counted apart: per client address and in all (`STAX_MAX_STREAMS_PER_CLIENT`, `STAX_MAX_STREAMS`). */
  streamsPerClient: number;
  streams: number;
}

export type ConfigFlags = Partial<{
  port: string | number;
  host: string;
  workspace: string;
  home: string;
  token: string;
  maxJobs: string | number;
  database: string;
  privateHome: boolean;
}>;

/** The default cap on concurrent job legs: a small multiple of the cores, as most legs wait on I/O. */
export const defaultMaxJobs = (): number => 4 * availableParallelism();

function int(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new StaxError("CONFIG_INVALID", `${name} must be a whole number from ${min} to ${max}, got '${raw}'`);
  return n;
}

function bool(name: string, raw: string | undefined): boolean {
  const v = (raw ?? "").trim().toLowerCase();
  if (["", "0", "false", "no", "off"].includes(v)) return false;
  if (["1", "true", "yes", "on"].includes(v)) return true;
  throw new StaxError("CONFIG_INVALID", `${name} must be true or false, got '${raw}'`);
}

function seconds(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || n < min || n > max)
    throw new StaxError("CONFIG_INVALID", `${name} must be a number of seconds from ${min} to ${max}, got '${raw}'`);
  return n;
}

/** The data folder of a workspace: `<home>/workspaces/<name>-<hash of its path>`. */
export function workspaceDataDir(home: string, workspace: string): string {
  const hash = createHash("sha256").update(workspace).digest("hex").slice(0, 10);
  return join(home, "workspaces", `${basename(workspace).replace(/[^A-Za-z0-9._-]/g, "_") || "root"}-${hash}`);
}

/**
 * Reads configuration from the environment and flags (flags win). Throws a StaxError naming the
 * variable for an invalid value.
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  flags: ConfigFlags = {},
  cwd = process.cwd(),
): Readonly<Config> {
  const port = int(
    flags.port !== undefined ? "--port" : env.STAX_PORT !== undefined ? "STAX_PORT" : "PORT",
    flags.port !== undefined ? String(flags.port) : (env.STAX_PORT ?? env.PORT),
    4800,
    0,
    65535,
  );
  const host = flags.host ?? env.STAX_HOST ?? "127.0.0.1";
  if (!host.trim() || /\s/.test(host))
    throw new StaxError("CONFIG_INVALID", `STAX_HOST must be a host name or address, got '${host}'`);
  const workspace = resolve(cwd, flags.workspace ?? (env.STAX_WORKSPACE || cwd));
  const home = resolve(
    flags.home ?? (env.STAX_HOME || join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "stax")),
  );
  const origins = (env.STAX_ALLOWED_ORIGINS ?? "")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  for (const o of origins) {
    if (!/^https?:\/\/[^/]+$/.test(o))
      throw new StaxError("CONFIG_INVALID", `STAX_ALLOWED_ORIGINS entries must look like http://host:port, got '${o}'`);
  }
  const runnerUrl = env.RUNNER_URL || undefined;
  if (runnerUrl && !/^https?:\/\//.test(runnerUrl))
    throw new StaxError("CONFIG_INVALID", `RUNNER_URL must start with http:// or https://, got '${runnerUrl}'`);
  const secretsKey = env.STAX_SECRETS_KEY || undefined;
  if (secretsKey !== undefined && secretsKey.length < 16)
    throw new StaxError("CONFIG_INVALID", "STAX_SECRETS_KEY must be at least 16 characters");
  const databaseUrl = flags.database ?? (env.STAX_DATABASE_URL || undefined);
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl))
    throw new StaxError(
      "CONFIG_INVALID",
      `${flags.database !== undefined ? "--database" : "STAX_DATABASE_URL"} must be a postgres:// URL`,
    );
  // Every process sharing a database must decrypt the same secrets: a key file of one machine cannot be shared.
  if (databaseUrl !== undefined && secretsKey === undefined)
    throw new StaxError(
      "CONFIG_INVALID",
      "STAX_DATABASE_URL needs STAX_SECRETS_KEY (base64 of 32 bytes, e.g. from `openssl rand -base64 32`), the same for every process",
    );
  return Object.freeze({
    port,
    host,
    workspace,
    home,
    dataDir: workspaceDataDir(home, workspace),
    token: flags.token ?? (env.STAX_TOKEN || undefined),
    secretsKey,
    actionsCache: resolve(env.STAX_ACTIONS_CACHE || join(home, "actions")),
    sandboxDir: resolve(env.STAX_SANDBOX_DIR || join(home, "sandboxes")),
    allowedOrigins: origins,
    pingIntervalMs: int("STAX_PING_INTERVAL_MS", env.STAX_PING_INTERVAL_MS, 30_000, 10, 3_600_000),
    retention: {
      maxRuns: int("STAX_RETENTION_RUNS", env.STAX_RETENTION_RUNS, 500, 0, 1_000_000),
      maxAgeDays: int("STAX_RETENTION_DAYS", env.STAX_RETENTION_DAYS, 90, 0, 36500),
    },
    runnerUrl,
    dockerHost: env.DOCKER_HOST || undefined,
    maxJobs: int(
      flags.maxJobs !== undefined ? "--max-jobs" : "STAX_MAX_JOBS",
      flags.maxJobs !== undefined ? String(flags.maxJobs) : env.STAX_MAX_JOBS,
      defaultMaxJobs(),
      1,
      10_000,
    ),
    databaseUrl,
    leaseMs: seconds("STAX_LEASE_SECONDS", env.STAX_LEASE_SECONDS, 30, 0.5, 3600) * 1000,
    privateHome: flags.privateHome === true || bool("STAX_PRIVATE_HOME", env.STAX_PRIVATE_HOME),
    connections: {
      headersTimeoutMs: seconds("STAX_HEADERS_TIMEOUT_SECONDS", env.STAX_HEADERS_TIMEOUT_SECONDS, 5, 0.5, 300) * 1000,
      keepAliveTimeoutMs:
        seconds("STAX_KEEPALIVE_TIMEOUT_SECONDS", env.STAX_KEEPALIVE_TIMEOUT_SECONDS, 5, 0.5, 3600) * 1000,
      perClient: int("STAX_MAX_CONNECTIONS_PER_CLIENT", env.STAX_MAX_CONNECTIONS_PER_CLIENT, 256, 1, 1_000_000),
      total: int("STAX_MAX_CONNECTIONS", env.STAX_MAX_CONNECTIONS, 1024, 1, 1_000_000),
      streamsPerClient: int("STAX_MAX_STREAMS_PER_CLIENT", env.STAX_MAX_STREAMS_PER_CLIENT, 512, 1, 1_000_000),
      streams: int("STAX_MAX_STREAMS", env.STAX_MAX_STREAMS, 1024, 1, 1_000_000),
    },
    cacheLimits: {
      maxBytes: int("STAX_CACHE_MAX_MB", env.STAX_CACHE_MAX_MB, 10_240, 1, 100_000_000) * 1024 ** 2,
      idleDays: int("STAX_CACHE_IDLE_DAYS", env.STAX_CACHE_IDLE_DAYS, 7, 1, 36_500),
    },
  });
}

/** Whether `host` is a loopback address, where the runner needs no token. */
export const isLoopbackHost = (host: string): boolean => /^(127\.|localhost$|::1$|\[::1\]$)/.test(host);
