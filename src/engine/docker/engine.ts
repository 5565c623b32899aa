/**
 * A small client of the Docker Engine API (the subset stax needs), over the unix socket or
 * `tcp://` of DOCKER_HOST. Unversioned paths: the engine answers with its own API version.
 */
import { request, type IncomingMessage } from "node:http";
import { OWNER_LABEL, processOwner } from "./labels.js";
import { BuildError, engineReason, imageMissing } from "./messages.js";
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

/** A command to execute in a running container (`User` defaults to the container's). */
export interface ExecSpec {
  Cmd: string[];
  Env: string[];
  WorkingDir?: string;
  User?: string;
}

export class DockerEngine {
  constructor(readonly address: DockerAddress) {}

  private raw(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    timeoutMs = 0,
    signal?: AbortSignal,
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const payload =
        body === undefined || body instanceof Readable
          ? undefined
          : Buffer.isBuffer(body)
            ? body
            : Buffer.from(JSON.stringify(body));
      const req = request(
        {
          ...this.address,
          method,
          path,
          signal,
          headers: { ...(payload && !Buffer.isBuffer(body) ? { "Content-Type": "application/json" } : {}), ...headers },
        },
        resolve,
      );
      if (timeoutMs) req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on("error", reject);
      // A stream (a build context) is sent as it is read; a failed read aborts the request.
      if (body instanceof Readable) pipeline(body, req).catch(reject);
      else req.end(payload);
    });
  }

  /** A JSON request; throws with the engine's message on an error status. */
  async call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }> {
    const res = await this.raw(method, path, body, headers);
    const text = await readText(res);
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // plain text
    }
    if ((res.statusCode ?? 500) >= 400)
      throw new Error(
        `docker ${method} ${path.split("?")[0]}: ${(parsed as { message?: string })?.message ?? text ?? res.statusCode}`,
      );
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
    if (await this.hasImage(image)) return;
    const [name, tag] = splitImage(image);
    log(`Pulling ${name}:${tag}`);
    const res = await this.raw(
      "POST",
      `/images/create?fromImage=${encodeURIComponent(name)}&tag=${encodeURIComponent(tag)}`,
    );
    const text = await readText(res);
    const error = text.split("\n").find((l) => l.includes('"error"'));
    if ((res.statusCode ?? 500) >= 400 || error) throw new Error(imageMissing(image, engineReason(error ?? text)));
  }

  /** Whether the engine has `image` (by name or id). */
  async hasImage(image: string): Promise<boolean> {
    const res = await this.raw("GET", `/images/${encodeURIComponent(image)}/json`);
    res.resume();
    return res.statusCode === 200;
  }

  /**
   * Builds a tar context (a buffer, or a stream sent as it is read) as `tag`, with `labels` on the image; a failure is a `BuildError` naming
   * the Dockerfile's step. `forcerm`: a failed step's container goes too.
   */
  async build(
    tar: Buffer | Readable,
    tag: string,
    dockerfile: string,
    log: (l: string) => void,
    labels: Record<string, string> = {},
  ): Promise<void> {
    const res = await this.raw(
      "POST",
      `/build?t=${encodeURIComponent(tag)}&dockerfile=${encodeURIComponent(dockerfile)}&rm=1&forcerm=1&labels=${encodeURIComponent(JSON.stringify(labels))}`,
      tar,
      { "Content-Type": "application/x-tar" },
    );
    const text = await readText(res);
    if ((res.statusCode ?? 500) >= 400) throw new BuildError(undefined, engineReason(text));
    let step: string | undefined;
    for (const l of text.split("\n").filter(Boolean)) {
      const e = JSON.parse(l) as { stream?: string; error?: string };
      if (e.error) throw new BuildError(step, e.error.trim());
      const line = e.stream?.trimEnd();
      if (!line?.trim()) continue;
      if (/^Step \d+\/\d+ : /.test(line)) step = line;
      log(line);
    }
  }

  /** Creates a container, labelled with this process as its owner (see labels.ts) whatever labels `spec` gives. */
  async create(spec: Record<string, unknown>, name?: string): Promise<string> {
    const labels = { ...(spec.Labels as Record<string, string> | undefined), [OWNER_LABEL]: processOwner() };
    const r = await this.call<{ Id: string }>(
      "POST",
      `/containers/create${name ? `?name=${encodeURIComponent(name)}` : ""}`,
      { ...spec, Labels: labels },
    );
    return r.body.Id;
  }

  start = (id: string) => this.call("POST", `/containers/${id}/start`);
  kill = (id: string, signal: string) =>
    this.call("POST", `/containers/${id}/kill?signal=${signal}`).catch(() => undefined);
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

  /** Runs a command in a running container; output to `onText`; resolves with its exit code. Aborting `signal` stops following it (the command may live on). */
  async exec(id: string, spec: ExecSpec, onText: (text: string) => void, signal?: AbortSignal): Promise<number> {
    const created = await this.call<{ Id: string }>("POST", `/containers/${id}/exec`, {
      ...spec,
      AttachStdout: true,
      AttachStderr: true,
    });
    const res = await this.raw("POST", `/exec/${created.body.Id}/start`, { Detach: false, Tty: false }, {}, 0, signal);
    const demux = new Demux(onText);
    for await (const c of res) demux.push(c as Buffer);
    return (await this.call<{ ExitCode: number }>("GET", `/exec/${created.body.Id}/json`)).body.ExitCode ?? 1;
  }

  async createNetwork(name: string, labels: Record<string, string> = {}): Promise<string> {
    return (
      await this.call<{ Id: string }>("POST", "/networks/create", {
        Name: name,
        CheckDuplicate: true,
        Labels: { ...labels, [OWNER_LABEL]: processOwner() },
      })
    ).body.Id;
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
