/**
 * Many machines on one: front-ends (`stax runner start --foreground`) and workers (`stax worker`)
 * as child processes sharing a real PostgreSQL, each with its own STAX_HOME and work folder. As
 * root, each worker runs in its own mount namespace where the workspace and the front-ends' data
 * folders are covered by empty tmpfs mounts: a worker that read them would find nothing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import type { WorkflowRun } from "../../src/contract/index.js";
import { spawnRunner, STAX_BIN, type ChildRunner } from "./runner.js";
import { tempDir } from "./temp.js";

export interface Fleet {
  env: Record<string, string>;
  frontEnds: ChildRunner[];
  /** The front-ends' STAX_HOMEs, in order. */
  homes: string[];
  workers: Map<string, { child: ChildProcess; output(): string }>;
  /** Whether workers run with the front-ends' folders hidden. */
  isolated: boolean;
  /** `env`: the worker's own variables over the fleet's (e.g. DOCKER_HOST). */
  startWorker(name: string, args?: string[], env?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

export async function startFleet(o: {
  databaseUrl: string;
  workspace: string;
  frontEnds: number;
  leaseSeconds?: number;
  secretsKey?: string;
  env?: Record<string, string>;
}): Promise<Fleet> {
  const env = {
    ...o.env,
    STAX_DATABASE_URL: o.databaseUrl,
    STAX_SECRETS_KEY: o.secretsKey ?? randomBytes(32).toString("base64"),
    STAX_LEASE_SECONDS: String(o.leaseSeconds ?? 30),
    NO_COLOR: "1",
  };
  const homes = Array.from({ length: o.frontEnds }, () => tempDir("stax-frontend-"));
  const frontEnds = await Promise.all(homes.map((h) => spawnRunner(h, o.workspace, env)));
  const workers = new Map<string, { child: ChildProcess; output(): string }>();
  const isolated = userInfo().uid === 0;
  const hidden = [o.workspace, ...homes];
  const startWorker = async (name: string, args: string[] = [], own: Record<string, string> = {}): Promise<void> => {
    const home = mkdtempSync(join(tmpdir(), `stax-worker-${name}-`));
    const cmd = [process.execPath, STAX_BIN, "worker", "--name", name, "--work-dir", join(home, "work"), ...args];
    const script = `${hidden.map((_, i) => `mount -t tmpfs tmpfs "$${i + 1}"`).join(" && ")} && shift ${hidden.length} && exec "$@"`;
    const child = isolated
      ? spawn("unshare", ["-m", "--propagation", "private", "sh", "-c", script, "sh", ...hidden, ...cmd], {
          env: { ...process.env, ...env, ...own, STAX_HOME: home },
          stdio: ["ignore", "pipe", "pipe"],
        })
      : spawn(cmd[0], cmd.slice(1), {
          env: { ...process.env, ...env, ...own, STAX_HOME: home },
          stdio: ["ignore", "pipe", "pipe"],
        });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    workers.set(name, { child, output: () => out });
    for (const t = Date.now(); !out.includes("ready"); await new Promise((r) => setTimeout(r, 50))) {
      if (child.exitCode !== null || Date.now() - t > 20_000) throw new Error(`worker ${name} did not start:\n${out}`);
    }
  };
  return {
    env,
    frontEnds,
    homes,
    workers,
    isolated,
    startWorker,
    async stop() {
      for (const w of workers.values()) w.child.kill("SIGKILL");
      for (const f of frontEnds) f.child.kill("SIGTERM");
      await Promise.all(frontEnds.map((f) => f.exited));
    },
  };
}

/** A JSON (or text) request to a front-end. */
export async function api<T>(
  r: ChildRunner,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${r.url}${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: (res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text) as T,
  };
}

/** The run once completed, through a front-end's API (or an error after `ms`). */
export async function finished(r: ChildRunner, id: string, ms = 60_000): Promise<WorkflowRun> {
  for (const t = Date.now(); Date.now() - t < ms; await new Promise((res) => setTimeout(res, 50))) {
    const run = (await api<WorkflowRun>(r, "GET", `/api/runs/${id}`)).body;
    if (run.status === "completed") return run;
  }
  throw new Error(`run ${id} did not finish`);
}
