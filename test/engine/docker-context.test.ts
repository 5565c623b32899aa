/**
 * The build context of a Docker action (src/engine/docker/tar.ts): links kept as links, a link
 * loop that ends, `.dockerignore` read with the Docker CLI's rules, the context streamed. The tar
 * is read back by extracting it for real (modern-tar's unpacker) and by a real Docker build
 * (skipped without an engine, failed in CI: see test/helpers/docker.ts).
 */
import assert from "node:assert/strict";
import { lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { test } from "node:test";
import { unpackTar } from "modern-tar/fs";
import { tarFolder, tarStream } from "../../src/engine/docker/tar.js";
import { realDocker } from "../helpers/docker.js";
import { tempDir } from "../helpers/temp.js";

const docker = await realDocker(["alpine:3"]);

/** A context with a link to a file, a link to its own folder (a loop), and a `.dockerignore`. */
function context(): string {
  const dir = tempDir("stax-context-");
  mkdirSync(join(dir, "src/deep"), { recursive: true });
  mkdirSync(join(dir, "node_modules/pkg"), { recursive: true });
  mkdirSync(join(dir, "logs"), { recursive: true });
  writeFileSync(join(dir, "Dockerfile"), "FROM alpine:3\nCOPY . /ctx/\n");
  writeFileSync(join(dir, "src/main.sh"), "echo main\n");
  writeFileSync(join(dir, "src/deep/data.txt"), "data\n");
  writeFileSync(join(dir, "node_modules/pkg/index.js"), "ignored\n");
  writeFileSync(join(dir, "logs/a.log"), "ignored\n");
  writeFileSync(join(dir, "logs/keep.log"), "kept by an exception\n");
  writeFileSync(join(dir, "secret.env"), "ignored\n");
  symlinkSync("main.sh", join(dir, "src/link.sh"));
  symlinkSync("..", join(dir, "src/deep/loop"));
  // The Docker CLI's rules: a folder name excludes what is below it, `**` any depth, `!` brings
  // a path back, the last matching line decides; the Dockerfile and .dockerignore still go.
  writeFileSync(
    join(dir, ".dockerignore"),
    "# comment\nnode_modules\n**/*.env\nlogs/*.log\n!logs/keep.log\nDockerfile\n.dockerignore\n",
  );
  return dir;
}

async function extracted(tar: Readable | Buffer): Promise<string> {
  const out = tempDir("stax-context-out-");
  await pipeline(Buffer.isBuffer(tar) ? Readable.from([tar]) : tar, unpackTar(out));
  return out;
}

test("a build context keeps a symbolic link as a link and a link loop ends instead of recursing without end", async () => {
  const dir = context();
  try {
    const out = await extracted(await tarFolder(dir));
    assert.ok(lstatSync(join(out, "src/link.sh")).isSymbolicLink());
    assert.equal(readlinkSync(join(out, "src/link.sh")), "main.sh");
    assert.ok(lstatSync(join(out, "src/deep/loop")).isSymbolicLink());
    assert.equal(readlinkSync(join(out, "src/deep/loop")), "..");
    assert.equal(readFileSync(join(out, "src/deep/data.txt"), "utf8"), "data\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a build context honours .dockerignore as the Docker CLI does: folders, ** patterns, ! exceptions; the Dockerfile and .dockerignore still sent", async () => {
  const dir = context();
  try {
    const out = await extracted(await tarStream(dir));
    const has = (p: string) => lstatSync(join(out, p), { throwIfNoEntry: false }) !== undefined;
    assert.equal(has("node_modules"), false);
    assert.equal(has("secret.env"), false);
    assert.equal(has("logs/a.log"), false);
    assert.equal(has("logs/keep.log"), true);
    assert.equal(has("src/main.sh"), true);
    assert.equal(has("Dockerfile"), true);
    assert.equal(has(".dockerignore"), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a build context is a stream whose file contents are read as it is consumed, and the same files give the same bytes", async () => {
  const dir = context();
  try {
    const stream = await tarStream(dir);
    assert.ok(stream instanceof Readable);
    // Written after the stream was made but before it was read: the tar carries the new content.
    writeFileSync(join(dir, "src/deep/data.txt"), "changed\n");
    const out = await extracted(stream);
    assert.equal(readFileSync(join(out, "src/deep/data.txt"), "utf8"), "changed\n");
    assert.ok((await tarFolder(dir)).equals(await tarFolder(dir)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  "a real Docker build of such a context sees the link, the kept exception and none of the ignored files",
  { skip: docker.skip },
  async () => {
    const dir = context();
    const tag = `stax-test-context:${process.pid}`;
    try {
      await docker.engine.build(await tarStream(dir), tag, "Dockerfile", () => {});
      const cmd =
        "cd /ctx && readlink src/link.sh && readlink src/deep/loop && cat logs/keep.log && ls -a . logs | tr '\\n' ' '";
      const id = await docker.engine.create({
        Image: tag,
        Cmd: ["sh", "-c", cmd],
        Labels: { "stax.run": "context-test" },
      });
      let out = "";
      try {
        await docker.engine.start(id);
        await docker.engine.wait(id);
        await docker.engine.follow(id, (t) => (out += t));
      } finally {
        await docker.engine.remove(id);
      }
      // The Dockerfile and .dockerignore reach the engine (it needs them) but, named in .dockerignore, are not copied: as with `docker build`.
      assert.equal(out, "main.sh\n..\nkept by an exception\n.: . .. logs src  logs: . .. keep.log ");
    } finally {
      await docker.engine.call("DELETE", `/images/${encodeURIComponent(tag)}?force=true`).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
