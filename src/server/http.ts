import type { IncomingMessage, ServerResponse } from "node:http";
import { JSON_MAX_DEPTH, jsonTooDeep, StaxError, errorMessage } from "../contract/index.js";

export type Handler = (ctx: RequestContext) => Promise<void> | void;

/** What a route handler gets: the request, the response, path parameters and the query. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body (mutating routes only). */
  body: unknown;
}

export interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

/** `/api/runs/:id/logs` → a route matching that path with `id` captured. */
export function route(method: string, path: string, handler: Handler): Route {
  const keys: string[] = [];
  const pattern = new RegExp(`^${path.replace(/:([a-zA-Z]+)/g, (_, k: string) => (keys.push(k), "([^/]+)"))}$`);
  return { method, pattern, keys, handler };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: StaxError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, err.httpStatus, err.toBody());
}

/** Reads a JSON body of at most `limit` bytes; 413, 400 and 415 as StaxErrors. */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json")
    throw new StaxError("UNSUPPORTED_MEDIA_TYPE", `send the body as application/json (got '${type || "none"}')`);
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw new StaxError("PAYLOAD_TOO_LARGE", `the body is larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new StaxError("PAYLOAD_TOO_LARGE", `the body is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StaxError("BAD_REQUEST", `malformed JSON: ${errorMessage(err)}`);
  }
  // Deeper documents overflow the stack wherever they are copied or stored, killing every run.
  if (jsonTooDeep(value))
    throw new StaxError("BAD_REQUEST", `the JSON body nests deeper than ${JSON_MAX_DEPTH} levels`);
  return value;
}

type FieldSpec = "string" | "object" | "boolean" | "array" | "string?" | "object?" | "boolean?" | "array?";

/** Checks that a body is an object and its listed fields have the expected types. */
export function expectObject(
  body: unknown,
  fields: Record<string, FieldSpec>,
  what = "the body",
): Record<string, unknown> {
  if (!body || typeof body !== "object" || Array.isArray(body))
    throw new StaxError("BAD_REQUEST", `${what} must be a JSON object`);
  const b = body as Record<string, unknown>;
  // Own properties only: `__proto__`, `constructor` or `toString` are not fields just because every object inherits them.
  const unknown = Object.keys(b).filter((k) => !Object.hasOwn(fields, k));
  if (unknown.length)
    throw new StaxError(
      "BAD_REQUEST",
      `unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `'${k}'`).join(", ")}; allowed: ${Object.keys(fields).join(", ")}`,
    );
  for (const [key, spec] of Object.entries(fields)) {
    const optional = spec.endsWith("?");
    const type = spec.replace("?", "");
    const v = Object.hasOwn(b, key) ? b[key] : undefined;
    if (v === undefined) {
      if (!optional) throw new StaxError("BAD_REQUEST", `'${key}' is required`);
      continue;
    }
    const ok =
      type === "array"
        ? Array.isArray(v)
        : type === "object"
          ? typeof v === "object" && v !== null && !Array.isArray(v)
          : typeof v === type;
    if (!ok) throw new StaxError("BAD_REQUEST", `'${key}' must be ${type === "array" ? "an array" : `a ${type}`}`);
  }
  return b;
}

/** A decimal whole number from `min` to `max`: `0x10`, ` 5`, `1e3` and unsafe integers are refused, not read by `Number()`. */
export function wholeNumber(name: string, raw: string, min: number, max: number): number {
  const n = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new StaxError("BAD_REQUEST", `'${name}' must be a whole number from ${min} to ${max}`);
  return n;
}

/**
 * The query of a request, refused (400) when a parameter is given twice: `limit=5&limit=abc`
 * would otherwise be read as its first value by one route and checked as another by a proxy.
 */
export function singleQuery(q: URLSearchParams): URLSearchParams {
  const seen = new Set<string>();
  for (const key of q.keys()) {
    if (seen.has(key)) throw new StaxError("BAD_REQUEST", `the query parameter '${key}' is given more than once`);
    seen.add(key);
  }
  return q;
}

/** An optional whole-number query parameter (see `wholeNumber`). */
export function int(q: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = q.get(name);
  return raw === null ? undefined : wholeNumber(name, raw, min, max);
}
