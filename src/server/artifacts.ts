import { randomBytes } from "node:crypto";
import { chmodSync, copyFileSync, cpSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { StaxError } from "../contract/index.js";
import type { ArtifactStore } from "../engine/index.js";
import { isSafeName, type Store } from "../store/index.js";

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
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    let size = 0;
    for (const f of files) {
      // The content, never a link: a stored link would be followed at download, to whatever it names then.
      if (!statSync(join(root, f), { throwIfNoEntry: false })?.isFile()) continue;
      mkdirSync(join(dir, f, ".."), { recursive: true, mode: 0o700 });
      copyFileSync(join(root, f), join(dir, f));
      chmodSync(join(dir, f), 0o600);
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
