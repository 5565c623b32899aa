/**
 * Starts a real runner (in this process) on a free port with its own STAX_HOME, and reads
 * its SSE stream raw, so tests see exactly the frames a client gets.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { join, resolve } from "node:path";
import { loadConfig, workspaceDataDir } from "../../src/config/config.js";
import type { StoredEvent, WorkflowRun } from "../../src/contract/index.js";
import { startRunner, type Runner } from "../../src/server/app.js";
import { fixtureCopy, tempDir, until } from "./temp.js";

export interface TestRunner extends Runner {
  home: string;
  workspace: string;
  json<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }>;
  /** Starts a run and waits for it to complete (via the API). */
  runToEnd(workflow: string, extra?: Record<string, unknown>): Promise<WorkflowRun>;
  /** Polls the run until it is completed; throws after `ms`. */
  waitCompleted(id: string, ms?: number): Promise<WorkflowRun>;
}

export async function startTestRunner(
  opts: {
    workspace?: string;
    env?: Record<string, string>;
    maxQueueBytes?: number;
    host?: string;
    token?: string;
    webRoot?: string;
    home?: string;
    hostEnv?: Record<string, string | undefined>;
    port?: number;
  } = {},
): Promise<TestRunner> {
  const home = opts.home ?? tempDir("stax-home-");
  // The default workspace: a copy of test/fixtures/runner-api in a git repository of its own.
  const workspace = opts.workspace ?? fixtureCopy("runner-api");
  const config = loadConfig(
    { STAX_HOME: home, STAX_PING_INTERVAL_MS: "60000", ...opts.env },
    { port: opts.port ?? 0, workspace, host: opts.host },
  );
  const runner = await startRunner({
    config,
    version: "test",
    hostEnv: opts.hostEnv ?? process.env,
    maxQueueBytes: opts.maxQueueBytes,
    token: opts.token,
    webRoot: opts.webRoot,
  });
  const json = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${runner.url}${path}`, {
      method,
      headers: { ...(body !== undefined ? { "Content-Type": "application/json" } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // plain text
    }
    return { status: res.status, body: parsed as T };
  };
  let last: WorkflowRun | undefined;
  const waitCompleted = (id: string, ms = 120_000) =>
    until(
      () => `run ${id} to complete (last seen: ${last?.status ?? "nothing"})`,
      async () => {
        last = (await json<WorkflowRun>("GET", `/api/runs/${id}`)).body;
        return last.status === "completed" ? last : undefined;
      },
      ms,
    );
  const runToEnd = async (workflow: string, extra: Record<string, unknown> = {}) => {
    const created = await json<WorkflowRun>("POST", "/api/runs", { workflow, ...extra });
    if (created.status !== 201) throw new Error(`POST /api/runs: ${created.status} ${JSON.stringify(created.body)}`);
    return waitCompleted(created.body.id);
  };
  return Object.assign(runner, { home, workspace, json, runToEnd, waitCompleted });
}

/** A raw SSE connection: every byte received, parsed frames, and control over reading. */
export interface Frame {
  id?: number;
  event: string;
  data: unknown;
}

export interface RawStream {
  text(): string;
  frames(): Frame[];
  events(): StoredEvent[];
  headers: Record<string, string | string[] | undefined>;
  /** Resolves when a frame satisfies `pred` (or rejects after `ms`). */
  waitFor(pred: (f: Frame) => boolean, ms?: number): Promise<void>;
  close(): void;
  closed: Promise<void>;
}

export function openStream(url: string, path: string, headers: Record<string, string> = {}): Promise<RawStream> {
  return new Promise((resolve, reject) => {
    // The text arrives in chunks; only the unparsed tail is kept as one string, so a stream of
    // 100k frames stays linear (appending to one growing string and searching it is quadratic).
    const chunks: string[] = [];
    let size = 0;
    let pending = "";
    const parsed: Frame[] = [];
    const waiters: (() => void)[] = [];
    let onClosed: () => void;
    const closed = new Promise<void>((r) => (onClosed = r));
    const parse = (): Frame[] => {
      const end = pending.lastIndexOf("\n\n");
      if (end < 0) return parsed;
      for (const b of pending.slice(0, end).split("\n\n")) {
        if (!b.includes("data: ")) continue;
        const lines = b.split("\n");
        const id = lines.find((l) => l.startsWith("id: "));
        parsed.push({
          id: id ? Number(id.slice(4)) : undefined,
          event: lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "message",
          data: JSON.parse(lines.find((l) => l.startsWith("data: "))!.slice(6)),
        });
      }
      pending = pending.slice(end + 2);
      return parsed;
    };
    const text = () => chunks.join("");
    let checked = 0;
    const req = request(`${url}${path}`, { headers }, (res) => {
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        chunks.push(d);
        size += d.length;
        pending += d;
        waiters.splice(0).forEach((w) => w());
      });
      res.on("end", () => onClosed());
      res.on("close", () => onClosed());
      resolve({
        headers: res.headers,
        text,
        frames: parse,
        events: () =>
          parse()
            .filter((f) => f.id !== undefined)
            .map((f) => ({ id: f.id, type: f.event, ...(f.data as object), data: f.data }) as unknown as StoredEvent),
        waitFor: (pred, ms = 15_000) =>
          new Promise<void>((ok, fail) => {
            const timer = setTimeout(
              () => fail(new Error(`timed out waiting; got ${size} bytes:\n${text().slice(-2000)}`)),
              ms,
            );
            checked = 0;
            const check = () => {
              const frames = parse();
              for (; checked < frames.length; checked++) {
                if (pred(frames[checked])) {
                  clearTimeout(timer);
                  ok();
                  return;
                }
              }
              waiters.push(check);
            };
            check();
          }),
        close: () => req.destroy(),
        closed,
      });
    });
    req.on("error", reject);
    req.end();
  });
}

/** A request with full control of the headers (fetch refuses to set `Host`). */
export function rawRequest(
  url: string,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${opts.path}`, { method: opts.method ?? "GET", headers: opts.headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

export const STAX_BIN = resolve(import.meta.dirname, "..", "..", "bin", "stax");

/** A runner in a child process (`stax runner start --foreground`), as users start it. */
export interface ChildRunner {
  url: string;
  child: ChildProcess;
  /** Output so far (banner, errors). */
  output(): string;
  exited: Promise<number | null>;
}

/** Starts `bin/stax runner start --foreground --port 0` and resolves once `/health` answers. */
export async function spawnRunner(
  home: string,
  workspace: string,
  env: Record<string, string> = {},
): Promise<ChildRunner> {
  const child = spawn(
    process.execPath,
    [STAX_BIN, "runner", "start", "--foreground", "--port", "0", "--workspace", workspace],
    { env: { ...process.env, STAX_HOME: home, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const stateFile = join(workspaceDataDir(home, workspace), "runner.json");
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (existsSync(stateFile)) {
      const state = JSON.parse(readFileSync(stateFile, "utf8")) as { pid: number; url: string };
      if (state.pid === child.pid) {
        const ok = await fetch(`${state.url}/health`)
          .then((r) => r.ok)
          .catch(() => false);
        if (ok) return { url: state.url, child, output: () => out, exited };
      }
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill("SIGKILL");
  throw new Error(`the runner did not start:\n${out}`);
}
