/**
 * A small npm registry on 127.0.0.1 for the tool tests: the machine's real `npm` (with
 * `npm_config_registry` pointing here) asks it for packuments and tarballs, so `npm view` and
 * `npm pack` run for real while the packages are tiny ones the test makes. It counts every
 * request by path, so a test can tell how many times a tarball was fetched.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { dirname, join } from "node:path";
import { tempDir } from "./temp.js";

/** One version of one package: its files (under `package/`), `bin`, `engines` and publish time. */
export interface FakePackage {
  name: string;
  version: string;
  files: Record<string, string>;
  /** Files made executable (paths as in `files`). */
  executables?: string[];
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  time?: string;
}

export interface FakeRegistry {
  url: string;
  /** Requests by URL path. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

function tarball(p: FakePackage): Buffer {
  const root = tempDir("stax-fake-pkg-");
  for (const [path, text] of Object.entries({
    "package.json": JSON.stringify({ name: p.name, version: p.version, bin: p.bin, engines: p.engines }),
    ...p.files,
  })) {
    const file = join(root, "package", path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    chmodSync(file, p.executables?.includes(path) ? 0o755 : 0o644);
  }
  execFileSync("tar", ["-czf", join(root, "pkg.tgz"), "-C", root, "package"]);
  return readFileSync(join(root, "pkg.tgz"));
}

/** Starts the registry with `packages` (any number of versions per name). */
export async function fakeRegistry(packages: FakePackage[]): Promise<FakeRegistry> {
  const hits = new Map<string, number>();
  const tarballs = new Map<string, Buffer>();
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const tgz = tarballs.get(path);
    if (tgz) {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": tgz.length });
      return res.end(tgz);
    }
    const name = path.slice(1);
    const versions = packages.filter((p) => p.name === name);
    if (!versions.length) {
      res.writeHead(404, { "content-type": "application/json" });
      return res.end(JSON.stringify({ error: "Not found" }));
    }
    const doc = {
      name,
      "dist-tags": {
        latest: versions.filter((v) => !v.version.includes("-")).at(-1)?.version ?? versions.at(-1)!.version,
      },
      versions: Object.fromEntries(versions.map((v) => [v.version, manifests.get(`${name}@${v.version}`)])),
      time: {
        created: "2010-01-01T00:00:00.000Z",
        modified: "2026-01-01T00:00:00.000Z",
        ...Object.fromEntries(versions.map((v) => [v.version, v.time ?? "2020-01-01T00:00:00.000Z"])),
      },
    };
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(doc));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const manifests = new Map<string, unknown>();
  for (const p of packages) {
    const tgz = tarball(p);
    const file = `/${p.name}/-/${p.name}-${p.version}.tgz`;
    tarballs.set(file, tgz);
    const integrity = `sha512-${createHash("sha512").update(tgz).digest("base64")}`;
    const shasum = createHash("sha1").update(tgz).digest("hex");
    manifests.set(`${p.name}@${p.version}`, {
      name: p.name,
      version: p.version,
      bin: p.bin,
      engines: p.engines,
      dist: { tarball: `${url}${file.slice(1)}`, integrity, shasum },
    });
  }
  return { url, hits, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}
