import { createHash } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { join } from "node:path";
import { globFiles, globFilesAsync } from "./glob.js";

/** The patterns of hashFiles' arguments (one argument may hold several lines) and its leading `--follow-symbolic-links`. */
function argsOf(args: string[]): { follow: boolean; patterns: string[] } {
  const follow = args[0] === "--follow-symbolic-links";
  return { follow, patterns: (follow ? args.slice(1) : args).flatMap((a) => a.split("\n")) };
}

/**
 * EXPR-17: SHA-256 over the SHA-256 digests of the matched files (workspace-relative patterns,
 * `!` excludes, optional leading `--follow-symbolic-links`); '' when nothing matches. Walks and
 * reads without blocking the event loop: what a step runs this before its expressions.
 */
export async function hashFilesAsync(workspace: string, args: string[]): Promise<string> {
  const { follow, patterns } = argsOf(args);
  const files = await globFilesAsync(workspace, patterns, follow);
  if (files.length === 0) return "";
  const outer = createHash("sha256");
  for (const f of files) {
    const inner = createHash("sha256");
    for await (const chunk of createReadStream(join(workspace, f))) inner.update(chunk as Buffer);
    outer.update(inner.digest());
  }
  return outer.digest("hex");
}

/** The same, synchronous: for an expression whose hashFiles call nothing could compute ahead (its patterns are not literals). */
export function hashFiles(workspace: string, args: string[]): string {
  const { follow, patterns } = argsOf(args);
  const files = globFiles(workspace, patterns, follow);
  if (files.length === 0) return "";
  const outer = createHash("sha256");
  for (const f of files)
    outer.update(
      createHash("sha256")
        .update(readFileSync(join(workspace, f)))
        .digest(),
    );
  return outer.digest("hex");
}

/** The key of one hashFiles call's arguments in a table of results fetched ahead. */
export const hashFilesKey = (args: string[]): string => JSON.stringify(args);

/**
 * The hashFiles calls in `expressions` whose arguments are all string literals, computed ahead
 * without blocking, by `hashFilesKey`. A call with other arguments is left to the synchronous
 * path when the expression is evaluated.
 */
export async function prefetchHashFiles(workspace: string, expressions: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const literal = "'(?:[^']|'')*'";
  const call = new RegExp(`hashFiles\\s*\\(\\s*(${literal}(?:\\s*,\\s*${literal})*)\\s*\\)`, "gi");
  for (const text of expressions) {
    for (const m of text.matchAll(call)) {
      const args = [...m[1].matchAll(new RegExp(literal, "g"))].map((a) => a[0].slice(1, -1).replaceAll("''", "'"));
      const key = hashFilesKey(args);
      if (!found.has(key)) found.set(key, await hashFilesAsync(workspace, args));
    }
  }
  return found;
}
