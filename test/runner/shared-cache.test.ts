/**
 * actions/cache entries shared through a store's blobs (many machines): eviction by GitHub's
 * rules over the shared entries, going by each entry's last restore on any machine.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { BlobCache } from "../../src/host/shared-cache.js";
import { openStore } from "../../src/store/index.js";
import { tempDir } from "../helpers/temp.js";

test("shared cache eviction: beyond the size limit the least recently restored entry goes, an entry unused for 7 days goes, the one just saved stays; another machine stops listing what went", async () => {
  const store = openStore(tempDir("stax-shared-cache-"));
  try {
    const here = new BlobCache(store.blobs);
    const there = new BlobCache(store.blobs);
    const root = tempDir("stax-cache-root-");
    const day = 86_400_000;
    const t0 = Date.parse("2026-12-01T00:00:00Z");
    const share = async (name: string, bytes: number, createdAt: number) => {
      mkdirSync(join(root, name));
      writeFileSync(join(root, name, "workspace.tar.gz"), Buffer.alloc(bytes, 1));
      writeFileSync(
        join(root, name, "meta.json"),
        JSON.stringify({ key: name, createdAt: new Date(createdAt).toISOString(), files: 1, format: "tar.gz" }),
      );
      await here.share(root, name);
    };
    const limits = { maxBytes: 3000, idleDays: 7 };
    await share("a", 1000, t0);
    await share("b", 1000, t0 + 1000);
    await share("old", 10, t0 - 9 * day);
    assert.deepEqual([...(await there.entries()).keys()].sort(), ["a", "b", "old"]);
    await there.used("a", new Date(t0 + 2000));
    await share("c", 1000, t0 + 3000);
    const gone = await here.evict(limits, "c", new Date(t0 + 4000));
    assert.deepEqual(gone, ["old", "b"], "old was unused for 9 days; then b, restored least recently, made room");
    assert.deepEqual([...(await there.entries()).keys()].sort(), ["a", "c"]);
    assert.deepEqual((await store.blobs.list("cache/b/")).length, 0, "nothing of b is left in the store");
    assert.deepEqual(await here.evict(limits, "c", new Date(t0 + 5000)), [], "within the limits nothing more goes");
  } finally {
    await store.close();
  }
});
