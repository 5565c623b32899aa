import { posix } from "node:path";
import type { Result } from "../../contract/index.js";

/** A parsed `uses:` value (STEP-16). */
export type ActionRef =
  | { kind: "local"; path: string }
  | { kind: "docker"; image: string }
  | { kind: "remote"; owner: string; repo: string; path: string; ref: string; slug: string };

export function parseUses(uses: string): Result<ActionRef> {
  if (uses.startsWith("./") || uses === ".") {
    // A local action lives in the job's checkout: `./../..` would run whatever the machine has there.
    if (leaves(uses))
      return {
        ok: false,
        error: `'${uses}' leaves the job's checkout: a local action's path must stay inside the repository (use ./path/to/action)`,
      };
    return { ok: true, value: { kind: "local", path: uses } };
  }
  if (uses.startsWith("docker://"))
    return { ok: true, value: { kind: "docker", image: uses.slice("docker://".length) } };
  const m = /^([^/@\s]+)\/([^/@\s]+)(\/[^@\s]*)?@(\S+)$/.exec(uses);
  if (!m)
    return {
      ok: false,
      error: `'${uses}' is not a valid action reference: use ./path, owner/repo[/path]@ref or docker://image`,
    };
  const path = (m[3] ?? "").replace(/^\//, "");
  if (path && leaves(`./${path}`))
    return { ok: false, error: `'${uses}' leaves the action's repository: its path must stay inside ${m[1]}/${m[2]}` };
  if (m[1] === ".." || m[2] === "..")
    return { ok: false, error: `'${uses}' is not a valid action reference: '..' is not an owner or repository name` };
  return { ok: true, value: { kind: "remote", owner: m[1], repo: m[2], path, ref: m[4], slug: `${m[1]}/${m[2]}` } };
}

/** Whether a `./`-relative path, once `..` segments are resolved, points above its starting folder. */
function leaves(relative: string): boolean {
  const normal = posix.normalize(relative.replace(/\\/g, "/"));
  return normal === ".." || normal.startsWith("../");
}
