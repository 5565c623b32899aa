import { execFile } from "node:child_process";
import type { GitRefsResponse } from "../contract/index.js";
import { route, sendJson, type Route } from "./http.js";

/** Refs of one listing at most: a picker, not an export. */
const MAX_REFS = 500;

/**
 * `GET /api/refs`: the workspace's branches and tags, newest commit first, for the dispatch
 * form's "Use workflow from" picker (a run of a ref runs in a git worktree of it). Outside a git
 * repository, or when git fails, the lists are empty: the form then runs the workspace as it is.
 */
export function refsRoutes(d: { workspace: string }): Route[] {
  return [
    route("GET", "/api/refs", async ({ res }) => {
      const out = await new Promise<string>((resolve) =>
        execFile(
          "git",
          [
            "for-each-ref",
            "--sort=-committerdate",
            `--count=${MAX_REFS}`,
            "--format=%(refname)",
            "refs/heads",
            "refs/tags",
          ],
          { cwd: d.workspace, timeout: 5000 },
          (err, stdout) => resolve(err ? "" : stdout),
        ),
      );
      const refs = out.split("\n").filter(Boolean);
      const current = await new Promise<string>((resolve) =>
        execFile(
          "git",
          ["symbolic-ref", "--quiet", "--short", "HEAD"],
          { cwd: d.workspace, timeout: 5000 },
          (err, stdout) => resolve(err ? "" : stdout.trim()),
        ),
      );
      sendJson(res, 200, {
        current: current || undefined,
        branches: refs.filter((r) => r.startsWith("refs/heads/")).map((r) => r.slice("refs/heads/".length)),
        tags: refs.filter((r) => r.startsWith("refs/tags/")).map((r) => r.slice("refs/tags/".length)),
      } satisfies GitRefsResponse);
    }),
  ];
}
