import type { Result } from "../../contract/index.js";

/** A parsed `uses:` value (STEP-16). */
export type ActionRef =
  | { kind: "local"; path: string }
  | { kind: "docker"; image: string }
  | { kind: "remote"; owner: string; repo: string; path: string; ref: string; slug: string };

export function parseUses(uses: string): Result<ActionRef> {
  if (uses.startsWith("./") || uses === ".") return { ok: true, value: { kind: "local", path: uses } };
  if (uses.startsWith("docker://")) return { ok: true, value: { kind: "docker", image: uses.slice("docker://".length) } };
  const m = /^([^/@\s]+)\/([^/@\s]+)(\/[^@\s]*)?@(\S+)$/.exec(uses);
  if (!m) return { ok: false, error: `'${uses}' is not a valid action reference: use ./path, owner/repo[/path]@ref or docker://image` };
  return { ok: true, value: { kind: "remote", owner: m[1], repo: m[2], path: (m[3] ?? "").replace(/^\//, ""), ref: m[4], slug: `${m[1]}/${m[2]}` } };
}
