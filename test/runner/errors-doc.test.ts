import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ERROR_CODES } from "../../src/contract/index.js";

test("docs/errors.md lists every error code of the registry, in order, with its HTTP status and CLI exit code", () => {
  const doc = readFileSync(join(import.meta.dirname, "..", "..", "docs", "errors.md"), "utf8");
  const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d+) \| (\d+) \|/gm)].map((m) => [
    m[1],
    Number(m[2]),
    Number(m[3]),
  ]);
  assert.deepEqual(
    rows,
    Object.entries(ERROR_CODES).map(([code, e]) => [code, e.http, e.exit]),
  );
});
