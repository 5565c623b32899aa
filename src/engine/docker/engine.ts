/**
 * A small client of the Docker Engine API (the subset stax needs), over the unix socket or
 * `tcp://` of DOCKER_HOST. Unversioned paths: the engine answers with its own API version.
 */
import { request, type IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

export interface DockerAddress {
  socketPath?: string;
  host?: string;
  port?: number;
}

/** DOCKER_HOST (`unix:///path`, `tcp://host:port`) or the default socket. */
export function dockerAddress(dockerHost: string | undefined): DockerAddress {
  if (!dockerHost) return { socketPath: "/var/run/docker.sock" };
  if (dockerHost.startsWith("unix://")) return { socketPath: dockerHost.slice("unix://".length) };
  const m = /^(?:tcp|http):\/\/([^:/]+)(?::(\d+))?/.exec(dockerHost);
  return m ? { host: m[1], port: Number(m[2] ?? 2375) } : { socketPath: dockerHost };
}

export const describeAddress = (a: DockerAddress): string => a.socketPath ?? `tcp://${a.host}:${a.port}`;

/** Splits Docker's multiplexed stdout/stderr stream (8-byte frame headers) into text. */
export class Demux {
  private buf = Buffer.alloc(0);
  constructor(private readonly onText: (text: string) => void) {}
  push(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) return;
      this.onText(this.buf.subarray(8, 8 + size).toString("utf8"));
      this.buf = this.buf.subarray(8 + size);
    }
  }
}

export class DockerEngine {
  constructor(readonly address: DockerAddress) {}

  private raw(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 0): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined || body instanceof Readable ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
      const req = request({ ...this.address, method, path, headers: { ...(payload && !Buffer.isBuffer(body) ? { "Content-Type": "application/json" } : {}), ...headers } }, resolve);
      if (timeoutMs) req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on("error", reject);
      // A stream (a build context) is sent as it is read; a failed read aborts the request.
      if (body instanceof Readable) pipeline(body, req).catch(reject);
      else req.end(payload);
    });
  }

  /** A JSON request; throws with the engine's message on an error status. */
  async call<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }> {
    const res = await this.raw(method, path, body, headers);
    const text = await readText(res);
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // plain text
    }
    if ((res.statusCode ?? 500) >= 400) throw new Error(`docker ${method} ${path.split("?")[0]}: ${(parsed as { message?: string })?.message ?? text ?? res.statusCode}`);
    return { status: res.statusCode ?? 0, body: parsed as T };
  }

  /** Whether an engine answers `/_ping` quickly. */
  async ping(timeoutMs = 1000): Promise<boolean> {
    try {
      const res = await this.raw("GET", "/_ping", undefined, {}, timeoutMs);
      res.resume();
      return res.statusCode === 200;
    } catch {
      return false;
    }
  }

  /** Pulls `image` unless present; progress errors in the stream are errors. */
  async ensureImage(image: string, log: (l: string) => void): Promise<void> {
    const present = await this.raw("GET", `/images/${encodeURIComponent(image)}/json`);
    present.resume();
    if (present.statusCode === 200) return;
    const [name, tag] = splitImage(image);
    log(`Pulling ${name}:${tag}`);
    const res = await this.raw("POST", `/images/create?fromImage=${encodeURIComponent(name)}&tag=${encodeURIComponent(tag)}`);
    const text = await readText(res);
    const error = text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { error?: string }).find((e) => e.error);
    if ((res.statusCode ?? 500) >= 400 || error) throw new Error(`pulling ${image}: ${error?.error ?? text.trim()}`);
  }

  /** Builds a tar context (a buffer, or a stream sent as it is read) as `tag`. */
  async build(tar: Buffer | Readable, tag: string, dockerfile: string, log: (l: string) => void): Promise<void> {
    const res = await this.raw("POST", `/build?t=${encodeURIComponent(tag)}&dockerfile=${encodeURIComponent(dockerfile)}&rm=1`, tar, { "Content-Type": "application/x-tar" });
    const text = await readText(res);
    for (const l of text.split("\n").filter(Boolean)) {
      const e = JSON.parse(l) as { stream?: string; error?: string };
      if (e.error) throw new Error(`building ${tag}: ${e.error}`);
      if (e.stream?.trim()) log(e.stream.trimEnd());
    }
    if ((res.statusCode ?? 500) >= 400) throw new Error(`building ${tag}: ${text.trim()}`);
  }

  async create(spec: Record<string, unknown>, name?: string): Promise<string> {
    const r = await this.call<{ Id: string }>("POST", `/containers/create${name ? `?name=${encodeURIComponent(name)}` : ""}`, spec);
    return r.body.Id;
  }

  start = (id: string) => this.call("POST", `/containers/${id}/start`);
  kill = (id: string, signal: string) => this.call("POST", `/containers/${id}/kill?signal=${signal}`).catch(() => undefined);
  remove = (id: string) => this.call("DELETE", `/containers/${id}?force=true&v=true`).catch(() => undefined);

  /** Streams the container's output (until it exits) to `onText`. */
  async follow(id: string, onText: (text: string) => void): Promise<void> {
    const res = await this.raw("GET", `/containers/${id}/logs?follow=true&stdout=true&stderr=true`);
    const demux = new Demux(onText);
    for await (const c of res) demux.push(c as Buffer);
  }

  async wait(id: string): Promise<number> {
    return (await this.call<{ StatusCode: number }>("POST", `/containers/${id}/wait`)).body.StatusCode;
  }

  /** Runs a command in a running container; output to `onText`; resolves with its exit code. */
  async exec(id: string, spec: { Cmd: string[]; Env: string[]; WorkingDir?: string }, onText: (text: string) => void): Promise<number> {
    const created = await this.call<{ Id: string }>("POST", `/containers/${id}/exec`, { ...spec, AttachStdout: true, AttachStderr: true });
    const res = await this.raw("POST", `/exec/${created.body.Id}/start`, { Detach: false, Tty: false });
    const demux = new Demux(onText);
    for await (const c of res) demux.push(c as Buffer);
    return (await this.call<{ ExitCode: number }>("GET", `/exec/${created.body.Id}/json`)).body.ExitCode ?? 1;
  }

  async createNetwork(name: string): Promise<string> {
    return (await this.call<{ Id: string }>("POST", "/networks/create", { Name: name, CheckDuplicate: true })).body.Id;
  }

  removeNetwork = (id: string) => this.call("DELETE", `/networks/${id}`).catch(() => undefined);
}

/** A whole response body as text (decoded once, so no character is cut between chunks). */
async function readText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** `node:20` → [node, 20]; `ghcr.io/a/b` → [ghcr.io/a/b, latest]; digests kept whole. */
export function splitImage(image: string): [string, string] {
  if (image.includes("@")) return [image, ""];
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  return colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image, "latest"];
}
