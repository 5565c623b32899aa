/**
 * A fake Docker engine, for what a real one (test/helpers/docker.ts) cannot be made to do on
 * demand here: a registry that refuses a pull, one that checks credentials, an engine that
 * vanishes or answers an API error. It speaks the same HTTP API over a unix socket. It records every call, and "runs" a
 * container by running its entrypoint + command as a host process, with container paths of the
 * bind mounts mapped back to the host folders — enough to check what stax asks of a real engine
 * (images, mounts, env, networks, exec, cleanup) and that output, exit codes and file commands
 * flow back. Images built from a Dockerfile honour its `COPY` and `ENTRYPOINT` lines.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface Call {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string | string[] | undefined>;
}

interface Container {
  id: string;
  spec: Record<string, unknown> & {
    Image: string;
    Entrypoint?: string[];
    Cmd?: string[];
    Env?: string[];
    WorkingDir?: string;
    HostConfig?: { Binds?: string[] };
  };
  proc?: ChildProcess;
  output: Buffer[];
  done: Promise<number>;
  finish?: (code: number) => void;
  removed: boolean;
}

function frame(text: string, stream = 1): Buffer {
  const data = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(data.length, 4);
  return Buffer.concat([h, data]);
}

/** Files of a tar stream (regular files only), with ustar's name prefix and PAX `path` records, as an engine reads them. */
export function untar(tar: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const text = (off: number, length: number) => tar.toString("utf8", off, off + length).replace(/\0.*$/s, "");
  let paxPath: string | undefined;
  for (let off = 0; off + 512 <= tar.length;) {
    const name = text(off, 100);
    const prefix = text(off + 257, 6) === "ustar" ? text(off + 345, 155) : "";
    // A folder whose whole name fits the ustar prefix has an empty name field; the end is two empty blocks.
    if (!name && !prefix) break;
    const size = parseInt(text(off + 124, 12).trim() || "0", 8);
    const type = tar.toString("utf8", off + 156, off + 157);
    const data = tar.subarray(off + 512, off + 512 + size);
    if (type === "x") paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString("utf8"))?.[1];
    else {
      if (type === "0" || type === "\0") out.set(paxPath ?? (prefix ? `${prefix}/${name}` : name), data);
      paxPath = undefined;
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

export class FakeDocker {
  readonly calls: Call[] = [];
  readonly containers = new Map<string, Container>();
  readonly networks = new Map<string, { name: string; removed: boolean }>();
  readonly images = new Set<string>(["alpine:3.20"]);
  /** Each built image's context, extracted to a folder. */
  readonly contexts = new Map<string, string>();
  /** Built images: their ENTRYPOINT, mapped to the extracted context. */
  private readonly built = new Map<string, string[]>();
  private readonly execs = new Map<
    string,
    { container: Container; spec: { Cmd: string[]; Env?: string[]; WorkingDir?: string }; code?: number }
  >();
  private n = 0;
  private server!: Server;
  readonly socketPath: string;

  constructor() {
    this.socketPath = join(mkdtempSync(join(tmpdir(), "fake-docker-")), "docker.sock");
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => {
        if (!res.headersSent) res.writeHead(500, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ message: `fake docker: ${err.message}` }));
      });
    });
    await new Promise<void>((r) => this.server.listen(this.socketPath, r));
    return this;
  }

  /** Stops the server and its "containers", and removes its temporary folders. */
  async close(): Promise<void> {
    for (const c of this.containers.values()) c.proc?.kill("SIGKILL");
    await new Promise<void>((r) => this.server.close(() => r()));
    for (const dir of [dirname(this.socketPath), ...this.contexts.values()])
      rmSync(dir, { recursive: true, force: true });
  }

  private async body(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  /** Container path → host path through the container's bind mounts. */
  private toHost(c: Container, value: string): string {
    for (const bind of c.spec.HostConfig?.Binds ?? []) {
      const [host, inside] = bind.split(":");
      if (value === inside || value.startsWith(`${inside}/`)) return host + value.slice(inside.length);
    }
    return value;
  }

  private run(
    c: Container,
    argv: string[],
    env: string[],
    cwd: string | undefined,
    onData: (b: Buffer, stream: number) => void,
  ): ChildProcess {
    const mapped = argv.map((a) => this.mapInline(c, a));
    const envObj: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
    for (const e of [...(c.spec.Env ?? []), ...env]) {
      const i = e.indexOf("=");
      envObj[e.slice(0, i)] = this.mapInline(c, e.slice(i + 1));
    }
    const child = spawn(mapped[0], mapped.slice(1), { cwd: cwd ? this.toHost(c, cwd) : undefined, env: envObj });
    child.stdout!.on("data", (d: Buffer) => onData(d, 1));
    child.stderr!.on("data", (d: Buffer) => onData(d, 2));
    return child;
  }

  /** Maps every container mount path inside a string (e.g. `sh -c "echo x >> /github/runner_temp/f"`). */
  private mapInline(c: Container, s: string): string {
    let out = s;
    for (const bind of c.spec.HostConfig?.Binds ?? []) {
      const [host, inside] = bind.split(":");
      if (inside !== host) out = out.split(inside).join(host);
    }
    return out;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://docker");
    const path = url.pathname.replace(/^\/v[\d.]+/, "");
    const raw = await this.body(req);
    let body: unknown;
    try {
      body =
        raw.length && req.headers["content-type"] === "application/json" ? JSON.parse(raw.toString("utf8")) : undefined;
    } catch {
      body = undefined;
    }
    this.calls.push({ method: req.method ?? "GET", path: `${path}${url.search}`, body, headers: req.headers });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(value));
    };
    let m: RegExpExecArray | null;
    if (path === "/_ping") return void res.end("OK");
    if ((m = /^\/images\/(.+)\/json$/.exec(path)))
      return this.images.has(decodeURIComponent(m[1]))
        ? json(200, { Id: m[1] })
        : json(404, { message: "No such image" });
    if (path === "/images/create") {
      const image = `${url.searchParams.get("fromImage")}:${url.searchParams.get("tag")}`;
      res.writeHead(200, { "Content-Type": "application/json" });
      if (image.startsWith("missing/"))
        return void res.end(
          `{"status":"Pulling"}\n{"error":"pull access denied for ${image}, repository does not exist"}\n`,
        );
      this.images.add(image);
      return void res.end(`{"status":"Pulling from ${image}"}\n{"status":"Download complete"}\n`);
    }
    if (path === "/build") {
      const tag = url.searchParams.get("t")!;
      const files = untar(raw);
      const ctx = mkdtempSync(join(tmpdir(), "fake-docker-ctx-"));
      this.contexts.set(tag, ctx);
      const copies = new Map<string, string>();
      const dockerfile = files.get(url.searchParams.get("dockerfile") ?? "Dockerfile")?.toString("utf8") ?? "";
      for (const [name, data] of files) {
        mkdirSync(dirname(join(ctx, name)), { recursive: true });
        writeFileSync(join(ctx, name), data);
        chmodSync(join(ctx, name), 0o755);
      }
      for (const line of dockerfile.split("\n")) {
        const copy = /^COPY\s+(\S+)\s+(\S+)/.exec(line);
        if (copy) copies.set(copy[2], join(ctx, copy[1]));
        const ep = /^ENTRYPOINT\s+(\[.*\])/.exec(line);
        if (ep)
          this.built.set(
            tag,
            (JSON.parse(ep[1]) as string[]).map((p) => copies.get(p) ?? p),
          );
      }
      this.images.add(tag);
      res.writeHead(200, { "Content-Type": "application/json" });
      return void res.end(`{"stream":"Step 1/3 : FROM alpine\\n"}\n{"stream":"Successfully tagged ${tag}\\n"}\n`);
    }
    if (path === "/containers/create") {
      const id = `c${++this.n}`;
      let finish!: (code: number) => void;
      const done = new Promise<number>((r) => (finish = r));
      this.containers.set(id, { id, spec: body as Container["spec"], output: [], done, finish, removed: false });
      return json(201, { Id: id });
    }
    if ((m = /^\/containers\/(\w+)\/start$/.exec(path))) {
      const c = this.containers.get(m[1])!;
      const argv = [...(c.spec.Entrypoint ?? this.built.get(c.spec.Image) ?? []), ...(c.spec.Cmd ?? [])];
      // A job container idles on `tail -f /dev/null`; an image without a known entrypoint (a service) idles too.
      if (argv.length === 0 || argv[0] === "tail") return json(204, {});
      c.proc = this.run(c, argv, [], c.spec.WorkingDir, (d, s) => c.output.push(frame(d.toString("utf8"), s)));
      c.proc.on("error", () => c.finish?.(127));
      c.proc.on("close", (code, sig) => c.finish?.(code ?? (sig ? 137 : 1)));
      return json(204, {});
    }
    if ((m = /^\/containers\/(\w+)\/logs$/.exec(path))) {
      const c = this.containers.get(m[1])!;
      res.writeHead(200, { "Content-Type": "application/vnd.docker.multiplexed-stream" });
      let sent = 0;
      const pump = () => {
        while (sent < c.output.length) res.write(c.output[sent++]);
      };
      const timer = setInterval(pump, 10);
      await c.done;
      clearInterval(timer);
      pump();
      return void res.end();
    }
    if ((m = /^\/containers\/(\w+)\/wait$/.exec(path)))
      return json(200, { StatusCode: await this.containers.get(m[1])!.done });
    if ((m = /^\/containers\/(\w+)\/kill$/.exec(path))) {
      this.containers.get(m[1])?.proc?.kill((url.searchParams.get("signal") ?? "SIGKILL") as NodeJS.Signals);
      return json(204, {});
    }
    if ((m = /^\/containers\/(\w+)$/.exec(path)) && req.method === "DELETE") {
      const c = this.containers.get(m[1]);
      if (c) c.removed = true;
      c?.proc?.kill("SIGKILL");
      return json(204, {});
    }
    if ((m = /^\/containers\/(\w+)\/exec$/.exec(path))) {
      const id = `e${++this.n}`;
      this.execs.set(id, { container: this.containers.get(m[1])!, spec: body as { Cmd: string[] } });
      return json(201, { Id: id });
    }
    if ((m = /^\/exec\/(\w+)\/start$/.exec(path))) {
      const e = this.execs.get(m[1])!;
      res.writeHead(200, { "Content-Type": "application/vnd.docker.raw-stream" });
      const child = this.run(e.container, e.spec.Cmd, e.spec.Env ?? [], e.spec.WorkingDir, (d, s) =>
        res.write(frame(d.toString("utf8"), s)),
      );
      e.code = await new Promise<number>((r) => {
        child.on("error", () => r(127));
        child.on("close", (code) => r(code ?? 1));
      });
      return void res.end();
    }
    if ((m = /^\/exec\/(\w+)\/json$/.exec(path)))
      return json(200, { ExitCode: this.execs.get(m[1])?.code ?? 0, Running: false });
    if (path === "/networks/create") {
      const id = `n${++this.n}`;
      this.networks.set(id, { name: (body as { Name: string }).Name, removed: false });
      return json(201, { Id: id });
    }
    if ((m = /^\/networks\/(\w+)$/.exec(path)) && req.method === "DELETE") {
      const n = this.networks.get(m[1]);
      if (n) n.removed = true;
      return json(204, {});
    }
    json(404, { message: `fake docker: no route ${req.method} ${path}` });
  }
}
