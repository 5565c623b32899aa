import type { IncomingMessage, ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import { StaxError } from "../contract/index.js";

export interface SecurityOptions {
  /** Host names and `host:port` values the runner answers to. */
  allowedHosts: Set<string>;
  /** Origins allowed by CORS (exact `scheme://host:port`). */
  allowedOrigins: Set<string>;
  /** Bound off loopback with a token: any Host is accepted (the token, not the Host, is the guard). */
  anyHost?: boolean;
  /** When set, every request needs `Authorization: Bearer <token>` (or `?token=` for EventSource). */
  token?: string;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/** Loopback origins (`http://localhost:5173`, `http://127.0.0.1:…`) are allowed by default (README, Security). */
export function originAllowed(origin: string, opts: SecurityOptions): boolean {
  if (opts.allowedOrigins.has(origin)) return true;
  try {
    const u = new URL(origin);
    return (u.protocol === "http:" || u.protocol === "https:") && LOOPBACK.test(u.host);
  } catch {
    return false;
  }
}

/** What the security rules read of a request. */
export interface RequestHead {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Refuses what the security rules (README, Security) refuse: a foreign Host (DNS rebinding), a
 * foreign Origin, a missing or wrong token. Throws a StaxError; returns the CORS fields of the
 * answer to an allowed origin.
 */
export function admit(req: RequestHead, opts: SecurityOptions): Record<string, string> {
  const host = String(req.headers.host ?? "").toLowerCase();
  if (!opts.anyHost && !opts.allowedHosts.has(host) && !LOOPBACK.test(host))
    throw new StaxError("FORBIDDEN_HOST", `Host '${host}' is not this runner`);
  const origin = req.headers.origin;
  const cors: Record<string, string> = {};
  if (typeof origin === "string" && origin) {
    if (!originAllowed(origin, opts))
      throw new StaxError("FORBIDDEN_ORIGIN", `Origin '${origin}' is not allowed (set STAX_ALLOWED_ORIGINS)`);
    cors["Access-Control-Allow-Origin"] = origin;
    cors.Vary = "Origin";
  }
  // A preflight carries no token.
  if (opts.token && req.method !== "OPTIONS") {
    const auth = String(req.headers.authorization ?? "");
    const given = auth.startsWith("Bearer ")
      ? auth.slice(7)
      : (new URL(req.url ?? "/", "http://x").searchParams.get("token") ?? "");
    const a = Buffer.from(given);
    const b = Buffer.from(opts.token);
    if (a.length !== b.length || !timingSafeEqual(a, b))
      throw new StaxError("UNAUTHORIZED", "a valid token is required (Authorization: Bearer …)");
  }
  return cors;
}

/**
 * `admit` for a request of Node's HTTP server: sets the CORS headers on `res`, and answers
 * preflight requests itself (returns true when it did).
 */
export function guard(req: IncomingMessage, res: ServerResponse, opts: SecurityOptions): boolean {
  for (const [name, value] of Object.entries(admit(req, opts))) res.setHeader(name, value);
  if (req.method === "OPTIONS") {
    res.writeHead(204, {
      "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE",
      "Access-Control-Allow-Headers": "Content-Type, Authorization, Last-Event-ID",
      "Access-Control-Max-Age": "600",
    });
    res.end();
    return true;
  }
  return false;
}
