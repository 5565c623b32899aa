import { createReadStream, existsSync, statSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".map": "application/json",
  ".woff2": "font/woff2",
};

const PLACEHOLDER = `<!doctype html><html lang="en"><meta charset="utf-8"><title>stax</title>
<body style="font-family:system-ui;margin:3rem"><h1>stax runner</h1>
<p>The dashboard is not built. Run <code>npm run build</code>; the API is at <a href="/api/runs">/api/runs</a> and events at <code>/api/events</code>.</p></body></html>`;

/** Serves the dashboard's built files, with `index.html` for every other path (client-side routes). */
export function serveStatic(root: string | undefined, path: string, res: ServerResponse): void {
  const index = root ? join(root, "index.html") : "";
  if (!root || !existsSync(index)) {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(PLACEHOLDER);
    return;
  }
  let file: string;
  try {
    file = normalize(join(root, decodeURIComponent(path)));
  } catch {
    file = index; // a malformed escape: not a file of ours
  }
  const inside = file.startsWith(root + sep);
  const target = inside && existsSync(file) && statSync(file).isFile() ? file : index;
  const cache = target !== index && /\/assets\//.test(target) ? "public, max-age=31536000, immutable" : "no-cache";
  res.writeHead(200, { "Content-Type": TYPES[extname(target)] ?? "application/octet-stream", "Cache-Control": cache });
  // A file replaced or removed meanwhile ends this response, never the runner.
  createReadStream(target)
    .on("error", () => res.destroy())
    .pipe(res);
}
