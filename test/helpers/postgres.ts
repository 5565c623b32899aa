/**
 * A real PostgreSQL server for a test: initdb into a temporary folder, started on a free port of
 * 127.0.0.1, stopped by the test. Debian's `postgresql` package provides the binaries (`.ci/run`
 * installs it). The server refuses to run as root, so as root it runs with the `postgres` user's ids.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { userInfo } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { tempDir } from "./temp.js";

export interface TestPostgres {
  /** With a password in it, so tests can check that it is never shown (trust auth ignores it). */
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Stops the server and starts it again on the same port and data. */
  restart(opts?: { downMs?: number }): Promise<void>;
}

function binDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, "bin", "initdb"))) return join(root, v, "bin");
  throw new Error("PostgreSQL is not installed (apt-get install postgresql)");
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = binDir();
  const root = userInfo().uid === 0;
  const dir = tempDir("stax-pg-");
  const user = root ? { uid: Number(execFileSync("id", ["-u", "postgres"]).toString()), gid: Number(execFileSync("id", ["-g", "postgres"]).toString()) } : {};
  if (root) chownSync(dir, user.uid!, user.gid!);
  const data = join(dir, "data");
  execFileSync(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "stax", "--no-sync", "-E", "UTF8"], { stdio: "ignore", cwd: dir, ...user });
  const port = await freePort();
  const url = `postgres://stax:not-the-real-password@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(join(bin, "postgres"), ["-D", data, "-h", "127.0.0.1", "-p", String(port), "-k", dir, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200"], { stdio: "ignore", cwd: dir, ...user });
    for (const t = Date.now(); Date.now() - t < 20_000; await new Promise((r) => setTimeout(r, 50))) {
      const c = new pg.Client({ connectionString: url });
      c.on("error", () => {});
      try {
        await c.connect();
        await c.end();
        return;
      } catch {
        // not up yet
      }
    }
    throw new Error("PostgreSQL did not start");
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    // SIGINT: fast shutdown (connections cut, as a crash or restart looks to clients).
    c.kill("SIGINT");
    await exited;
  };
  await start();
  return {
    url,
    port,
    stop,
    async restart(opts = {}) {
      await stop();
      await new Promise((r) => setTimeout(r, opts.downMs ?? 0));
      await start();
    },
  };
}
