import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import yazl from "yazl";
import { StaxError } from "../contract/index.js";
import type { ArtifactStore } from "../engine/index.js";
import { artifactPrefix, isSafeName, type ArtifactRecord, type Store } from "../store/index.js";

const MIME: Record<string, string> = {
  ".txt": "text/plain",
  ".json": "application/json",
  ".html": "text/html",
  ".log": "text/plain",
  ".zip": "application/zip",
  ".tgz": "application/gzip",
  ".gz": "application/gzip",
};

/**
 * Artifacts as blobs of the store (`artifacts/<runId>/<name>/<file>`), recorded with the run: the
 * same on one machine and across many, where `download-artifact` on one host reads what
 * `upload-artifact` stored on another.
 */
export class StoreArtifacts implements ArtifactStore {
  constructor(private readonly store: Store) {}

  async upload(runId: string, name: string, root: string, files: string[]): Promise<{ id: string; size: number }> {
    if (!isSafeName(name))
      throw new StaxError("INVALID_NAME", `'${name}' is not a valid artifact name (letters, digits, _ . -; no paths)`);
    const prefix = artifactPrefix(runId, name);
    await this.store.blobs.deletePrefix(prefix);
    let size = 0;
    const stored: string[] = [];
    for (const f of files) {
      // The content, never a link: a link is read through at upload (stat and the read stream follow
      // it), so a download serves what it named then, never whatever it names later. What is not a
      // file (a dangling link, a folder) is left out.
      if (!(await stat(join(root, f)).catch(() => undefined))?.isFile()) continue;
      size += await this.store.blobs.put(prefix + f, createReadStream(join(root, f)));
      stored.push(f);
    }
    const single = files.length === 1;
    const id = randomBytes(6).toString("hex");
    const ext = single ? (files[0].match(/\.[A-Za-z0-9]+$/)?.[0] ?? "") : "";
    await this.store.artifacts.add({
      id,
      runId,
      name,
      size,
      mimeType: single ? (MIME[ext] ?? "application/octet-stream") : "application/zip",
      createdAt: new Date().toISOString(),
      files: stored,
      isDirectory: !single,
    });
    return { id, size };
  }

  async download(runId: string, name: string | undefined, dest: string): Promise<string[]> {
    const all = await this.store.artifacts.list(runId);
    const chosen = name === undefined ? all : all.filter((a) => a.name === name);
    if (name !== undefined && chosen.length === 0)
      throw new StaxError("ARTIFACT_NOT_FOUND", `this run has no artifact '${name}'`);
    for (const a of chosen) {
      const target = name === undefined ? join(dest, a.name) : dest;
      const prefix = artifactPrefix(runId, a.name);
      for (const b of await this.store.blobs.list(prefix)) {
        const out = join(target, b.key.slice(prefix.length));
        await mkdir(dirname(out), { recursive: true });
        const body = await this.store.blobs.get(b.key);
        if (body) await pipeline(body, createWriteStream(out));
      }
      await mkdir(target, { recursive: true });
    }
    return chosen.map((a) => a.name);
  }
}

/**
 * One artifact as it downloads, read from the store's blobs: a single file as itself, a folder as
 * a zip built on the fly, each file opened when the zip reaches it. The runner's route and `stax
 * artifacts` (reading the store) share it. Files gone from the store are `ARTIFACT_GONE` (410),
 * with no path in the message; a stream error later (the run deleted mid-download) reaches the
 * returned stream, never the process.
 */
export async function artifactDownload(
  store: Store,
  a: ArtifactRecord,
  runNumber?: number,
): Promise<{ filename: string; mimeType: string; size?: number; stream: Readable }> {
  const prefix = artifactPrefix(a.runId, a.name);
  const blobs = await store.blobs.list(prefix);
  const gone = () =>
    new StaxError(
      "ARTIFACT_GONE",
      `the files of artifact '${a.name}'${runNumber !== undefined ? ` of run ${runNumber}` : ""} are no longer in the store`,
    );
  if (blobs.length === 0) throw gone();
  if (!a.isDirectory && blobs.length === 1) {
    const body = await store.blobs.get(blobs[0].key);
    if (!body) throw gone();
    return { filename: basename(blobs[0].key), mimeType: a.mimeType, size: blobs[0].size, stream: body };
  }
  const zip = new yazl.ZipFile();
  const out = zip.outputStream as unknown as Readable;
  const fail = (err: Error) => out.destroy(err);
  zip.on("error", fail);
  for (const b of blobs) {
    zip.addReadStreamLazy(b.key.slice(prefix.length), { size: b.size }, (cb) => {
      store.blobs.get(b.key).then(
        (body) => {
          if (!body) return cb(gone(), undefined as never);
          body.on("error", fail);
          cb(null, body);
        },
        (err: Error) => cb(err, undefined as never),
      );
    });
  }
  zip.end();
  return { filename: `${a.name}.zip`, mimeType: "application/zip", stream: out };
}
