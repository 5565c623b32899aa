/**
 * One error convention in the engine: `##[error]` lines are written by `io/log-lines.ts` only, and
 * every `.catch(() => {})` says in a comment just above why swallowing is harmless there.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";

const ENGINE = join(import.meta.dirname, "..", "..", "src", "engine");
const files = (readdirSync(ENGINE, { recursive: true }) as string[])
  .filter((f) => f.endsWith(".ts"))
  .map((f) => join(ENGINE, f));

test("no engine module but io/log-lines.ts writes an ##[error] marker by hand", () => {
  const offenders = files.filter(
    (f) => !f.endsWith(join("io", "log-lines.ts")) && readFileSync(f, "utf8").includes("##[error]"),
  );
  assert.deepEqual(
    offenders.map((f) => relative(ENGINE, f)),
    [],
  );
});

test("every .catch(() => {}) of the engine has a comment on the line above saying why the error is harmless", () => {
  const bare: string[] = [];
  for (const f of files) {
    const lines = readFileSync(f, "utf8").split("\n");
    lines.forEach((line, i) => {
      if (!line.includes(".catch(() => {})")) return;
      if (!/^\s*\/\//.test(lines[i - 1] ?? "")) bare.push(`${relative(ENGINE, f)}:${i + 1}`);
    });
  }
  assert.deepEqual(bare, [], "swallowed without a reason: log it with logDebug or say why it is harmless");
});
