import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { globFiles } from "./glob.js";

/**
 * EXPR-17: SHA-256 over the SHA-256 digests of the matched files (workspace-relative patterns,
 * `!` excludes, optional leading `--follow-symbolic-links`); '' when nothing matches.
 */
export function hashFiles(workspace: string, args: string[]): string {
  let follow = false;
  if (args[0] === "--follow-symbolic-links") {
    follow = true;
    args = args.slice(1);
  }
  const patterns = args.flatMap((a) => a.split("\n"));
  const files = globFiles(workspace, patterns, follow);
  if (files.length === 0) return "";
  const outer = createHash("sha256");
  for (const f of files) outer.update(createHash("sha256").update(readFileSync(join(workspace, f))).digest());
  return outer.digest("hex");
}
