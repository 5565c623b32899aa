import { cpSync, existsSync, mkdirSync } from "node:fs";
import { relative, resolve } from "node:path";
import type { Shim } from "./index.js";

const SKIP = new Set([".git", "node_modules"]);

/**
 * `actions/checkout`: the workspace is already the checkout, so this logs that and succeeds.
 * `path:` gets a copy of the workspace there (without .git and node_modules), as the real
 * action would put the repository there.
 */
export const checkout: Shim = {
  action: "actions/checkout",
  async run({ scope, with: w, ref }) {
    const workspace = scope.rt.run.opts.workspace;
    scope.log(`stax: using the built-in actions/checkout (requested ${ref.ref}); the workspace is already available at ${workspace}`);
    if (w["fetch-depth"] && w["fetch-depth"] !== "1") scope.log(`stax: fetch-depth ${w["fetch-depth"]} is ignored: the local repository is used as it is`);
    if (w.repository && w.repository !== scope.rt.run.github.repository) {
      scope.log(`##[error]checking out another repository ('${w.repository}') needs the network; only the workspace's own repository is available offline`);
      return { result: "failure" };
    }
    if (w.path) {
      const target = resolve(workspace, w.path);
      if (relative(workspace, target).startsWith("..")) {
        scope.log(`##[error]path '${w.path}' is outside the workspace`);
        return { result: "failure" };
      }
      if (target !== workspace && !existsSync(target)) {
        mkdirSync(target, { recursive: true });
        cpSync(workspace, target, {
          recursive: true,
          filter: (src) => {
            const rel = relative(workspace, src);
            return !rel.split("/").some((part) => SKIP.has(part)) && !resolve(src).startsWith(target);
          },
        });
        scope.log(`stax: copied the workspace to ${w.path}`);
      }
    }
    return { result: "success", effects: { outputs: { ref: scope.rt.run.github.ref as string, commit: scope.rt.run.github.sha as string }, state: {} } };
  },
};
