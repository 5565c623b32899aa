import { randomBytes } from "node:crypto";
import { cpSync, createReadStream, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import type { Readable } from "node:stream";
import yazl from "yazl";
import { StaxError } from "../contract/index.js";
import type { ArtifactStore } from "../engine/index.js";
import { isSafeName, type ArtifactRecord, type Store } from "../store/index.js";

const MIME: Record<string, string> = { ".txt": "text/plain", ".json": "application/json", ".html": "text/html", ".log": "text/plain", ".zip": "application/zip", ".tgz": "application/gzip", ".gz": "application/gzip" };

/** Artifacts in `<dataDir>/artifacts/<runId>/<name>`, recorded in the store. A single file stays a file. */
export class StoreArtifacts implements ArtifactStore {
  constructor(
    private readonly store: Store,
    private readonly dataDir: string,
  ) {}

  async upload(runId: string, name: string, root: string, files: string[]): Promise<{ id: string; size: number }> {
    if (!isSafeName(name)) throw new StaxError("INVALID_NAME", `'${name}' is not a valid artifact name (letters, digits, _ . -; no paths)`);
    const dir = join(this.dataDir, "artifacts", runId, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    let size = 0;
    for (const f of files) {
      mkdirSync(join(dir, f, ".."), { recursive: true });
      cpSync(join(root, f), join(dir, f));
      size += statSync(join(dir, f)).size;
    }
    const single = files.length === 1;
    const id = randomBytes(6).toString("hex");
    const ext = single ? (files[0].match(/\.[A-Za-z0-9]+$/)?.[0] ?? "") : "";
    this.store.addArtifact({ id, runId, name, size, mimeType: single ? (MIME[ext] ?? "application/octet-stream") : "application/zip", createdAt: new Date().toISOString(), path: single ? join(dir, files[0]) : dir, isDirectory: !single });
    return { id, size };
  }

  async download(runId: string, name: string | undefined, dest: string): Promise<string[]> {
    const all = this.store.listArtifacts(runId);
    const chosen = name === undefined ? all : all.filter((a) => a.name === name);
    if (name !== undefined && chosen.length === 0) throw new StaxError("ARTIFACT_NOT_FOUND", `this run has no artifact '${name}'`);
    for (const a of chosen) {
      const target = name === undefined ? join(dest, a.name) : dest;
      mkdirSync(target, { recursive: true });
      const src = join(this.dataDir, "artifacts", runId, a.name);
      cpSync(src, target, { recursive: true });
    }
    return chosen.map((a) => a.name);
  }
}

/** Deletes the artifact files of removed runs. */
export function artifactFilesRemover(dataDir: string): (runIds: string[]) => void {
  return (ids) => {
    for (const id of ids) rmSync(join(dataDir, "artifacts", id), { recursive: true, force: true });
  };
}

/** One artifact as it downloads: a single file as itself, a folder as a zip built on the fly. */
export function artifactDownload(a: ArtifactRecord): { filename: string; mimeType: string; size?: number; stream: Readable } {
  if (!a.isDirectory) return { filename: basename(a.path), mimeType: a.mimeType, size: statSync(a.path).size, stream: createReadStream(a.path) };
  const zip = new yazl.ZipFile();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) zip.addFile(p, relative(a.path, p));
    }
  };
  walk(a.path);
  zip.end();
  return { filename: `${a.name}.zip`, mimeType: "application/zip", stream: zip.outputStream as unknown as Readable };
}
