import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, readdir } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { promisify } from "node:util";
import type { Shim } from "./index.js";
import { errorMessage } from "../../../contract/index.js";
import { failStep } from "../../steps/run-process.js";

const SKIP = new Set([".git", "node_modules"]);
const execFileAsync = promisify(execFile);

/** git without blocking the event loop (the runner streams every client from it). */
async function git(args: string[]): Promise<string> {
  return (await execFileAsync("git", args, { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 })).stdout.trim();
}

/** The commit `ref` names in the workspace's repository, if it is one and has it. */
async function commitOf(workspace: string, ref: string): Promise<string | undefined> {
  return git(["-C", workspace, "rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).then(
    (out) => out || undefined,
    () => undefined,
  );
}

/**
 * Copies `from` into `to` (a folder inside it), without SKIP's folders and without `to` itself:
 * `cp` refuses a destination inside its source, so the folders on the way to `to` are walked and
 * everything beside them is copied whole, asynchronously.
 */
async function copyInto(from: string, to: string, dest = to): Promise<void> {
  const inside = relative(from, to).split(sep)[0];
  await mkdir(dest, { recursive: true });
  for (const name of await readdir(from)) {
    if (SKIP.has(name)) continue;
    if (name !== inside)
      await cp(join(from, name), join(dest, name), {
        recursive: true,
        verbatimSymlinks: true,
        filter: (src) =>
          !relative(from, src)
            .split(sep)
            .some((part) => SKIP.has(part)),
      });
    else if (join(from, name) !== to) await copyInto(join(from, name), to, join(dest, name));
  }
}

/**
 * `actions/checkout`: the workspace is already the checkout, so this logs that and succeeds.
 * `path:` gets a copy of the workspace there (without .git and node_modules), as the real
 * action would put the repository there.
 */
export const checkout: Shim = {
  action: "actions/checkout",
  async run({ scope, with: w, ref }) {
    const workspace = scope.rt.workspace;
    scope.log(
      `stax: using the built-in actions/checkout (requested ${ref.ref}); the workspace is already available at ${workspace}`,
    );
    if (w["fetch-depth"] && w["fetch-depth"] !== "1")
      scope.log(`stax: fetch-depth ${w["fetch-depth"]} is ignored: the local repository is used as it is`);
    if (w.repository && w.repository !== scope.rt.run.github.repository) {
      return failStep(
        scope,
        `checking out another repository ('${w.repository}') needs the network; only the workspace's own repository is available offline`,
      );
    }
    const wanted = w.ref ? await commitOf(workspace, w.ref) : undefined;
    if (w.ref && !wanted) {
      return failStep(scope, `ref '${w.ref}' is not in the local repository (fetching it needs the network)`);
    }
    const other = wanted && wanted !== (await commitOf(workspace, "HEAD")) ? wanted : undefined;
    if (other && !w.path)
      scope.log(
        `##[warning]ref '${w.ref}' differs from the workspace's HEAD; stax leaves your working tree as it is. Give 'path:' to get that ref in a worktree.`,
      );
    if (w.path) {
      const target = resolve(workspace, w.path);
      if (relative(workspace, target).startsWith("..")) {
        return failStep(scope, `path '${w.path}' is outside the workspace`);
      }
      if (other && !existsSync(target)) {
        try {
          await git(["-C", workspace, "worktree", "add", "--detach", target, other]);
        } catch (err) {
          return failStep(scope, `could not make a worktree of '${w.ref}' at ${w.path}: ${errorMessage(err)}`);
        }
        scope.log(`stax: checked out ${w.ref} (${other.slice(0, 7)}) in a git worktree at ${w.path}`);
        // Like the real action's post step, but here it also keeps the user's repository free of stale worktrees.
        scope.addPost({
          name: "Post Run actions/checkout",
          condition: () => true,
          run: async (log) => {
            try {
              await git(["-C", workspace, "worktree", "remove", "--force", target]);
              log(`stax: removed the worktree at ${w.path}`);
            } catch {
              log(`##[warning]could not remove the worktree at ${w.path}`);
            }
            return "success";
          },
        });
        return { result: "success", effects: { outputs: { ref: w.ref, commit: other }, state: {} } };
      }
      if (target !== workspace && !existsSync(target)) {
        await copyInto(workspace, target);
        scope.log(`stax: copied the workspace to ${w.path}`);
      }
    }
    return {
      result: "success",
      effects: {
        outputs: { ref: scope.rt.run.github.ref as string, commit: scope.rt.run.github.sha as string },
        state: {},
      },
    };
  },
};
