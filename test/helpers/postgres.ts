/**
 * A real PostgreSQL server for a test: initdb into a temporary folder, started on a free port of
 * 127.0.0.1, stopped by the test. Debian's `postgresql` package provides the binaries (`.ci/run`
 * installs it). The server refuses to run as root, so as root it runs with the `postgres` user's ids.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, readdirSync, writeFileSync } from "node:fs";
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
  /** With `tls`: the CA that signed the server's certificate (for 127.0.0.1 and localhost). */
  caFile?: string;
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

/**
 * A CA and a server certificate signed by it for 127.0.0.1 and localhost, made with openssl in
 * `dir`; the key belongs to `owner` (PostgreSQL refuses a key others may read).
 */
function makeCertificates(
  dir: string,
  owner: { uid?: number; gid?: number },
): { ca: string; cert: string; key: string } {
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "ignore", cwd: dir });
  ssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    f("ca.key"),
    "-out",
    f("ca.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=stax test CA",
  );
  ssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    f("server.key"),
    "-out",
    f("server.csr"),
    "-subj",
    "/CN=127.0.0.1",
  );
  writeFileSync(f("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  ssl(
    "x509",
    "-req",
    "-in",
    f("server.csr"),
    "-CA",
    f("ca.pem"),
    "-CAkey",
    f("ca.key"),
    "-CAcreateserial",
    "-out",
    f("server.pem"),
    "-days",
    "2",
    "-extfile",
    f("san.ext"),
  );
  chmodSync(f("server.key"), 0o600);
  if (owner.uid !== undefined) chownSync(f("server.key"), owner.uid, owner.gid!);
  return { ca: f("ca.pem"), cert: f("server.pem"), key: f("server.key") };
}

/**
 * Starts a server. With `tls`, it takes only TLS connections from 127.0.0.1 (`hostssl` in
 * pg_hba.conf), and `url` asks for `sslmode=verify-full` against the test's own CA.
 */
export async function startPostgres(opts: { tls?: boolean } = {}): Promise<TestPostgres> {
  const bin = binDir();
  const root = userInfo().uid === 0;
  const dir = tempDir("stax-pg-");
  const user = root
    ? {
        uid: Number(execFileSync("id", ["-u", "postgres"]).toString()),
        gid: Number(execFileSync("id", ["-g", "postgres"]).toString()),
      }
    : {};
  if (root) chownSync(dir, user.uid!, user.gid!);
  const data = join(dir, "data");
  execFileSync(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "stax", "--no-sync", "-E", "UTF8"], {
    stdio: "ignore",
    cwd: dir,
    ...user,
  });
  const port = await freePort();
  const tls = opts.tls ? makeCertificates(dir, user) : undefined;
  const tlsArgs = tls ? ["-c", "ssl=on", "-c", `ssl_cert_file=${tls.cert}`, "-c", `ssl_key_file=${tls.key}`] : [];
  if (tls) writeFileSync(join(data, "pg_hba.conf"), "local all all trust\nhostssl all all 127.0.0.1/32 trust\n");
  const url = `postgres://stax:not-the-real-password@127.0.0.1:${port}/postgres${tls ? `?sslmode=verify-full&sslrootcert=${tls.ca}` : ""}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      join(bin, "postgres"),
      [
        "-D",
        data,
        "-h",
        "127.0.0.1",
        "-p",
        String(port),
        "-k",
        dir,
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=200",
        ...tlsArgs,
      ],
      { stdio: "ignore", cwd: dir, ...user },
    );
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
    ...(tls ? { caFile: tls.ca } : {}),
    stop,
    async restart(opts = {}) {
      await stop();
      await new Promise((r) => setTimeout(r, opts.downMs ?? 0));
      await start();
    },
  };
}
