import { spawnSync } from "node:child_process";
import { watch, type FSWatcher } from "node:fs";
import { resolve } from "node:path";
import pc from "picocolors";

/** Quiet time after the last change before running again: an editor's save is several events. */
const DEBOUNCE_MS = 300;

/** Of `files` (relative to `workspace`), those git does not ignore; `.git/` and, outside a repository, `node_modules/` never count. */
export function unignored(workspace: string, files: string[]): string[] {
  const candidates = files.filter((f) => !/(^|\/)\.git(\/|$)/.test(f));
  if (candidates.length === 0) return [];
  const r = spawnSync("git", ["check-ignore", "--stdin"], { cwd: workspace, input: candidates.join("\n"), encoding: "utf8" });
  // 0: some are ignored, 1: none is, anything else: not a repository.
  if (r.status !== 0 && r.status !== 1) return candidates.filter((f) => !/(^|\/)node_modules(\/|$)/.test(f));
  const ignored = new Set(r.stdout.split("\n").filter(Boolean));
  return candidates.filter((f) => !ignored.has(f));
}

/**
 * `stax run --watch`: runs once, then again each time files of the workspace change (debounced,
 * `.gitignore`d files left out). A change during a run cancels it first, as a new push cancels
 * an outdated run. Ctrl-C cancels the run still going (as without --watch) and stops watching.
 */
export async function watchAndRun(workspaceFlag: string, runOnce: (signal: AbortSignal) => Promise<unknown>, out: NodeJS.WritableStream): Promise<void> {
  const workspace = resolve(workspaceFlag);
  let current: { controller: AbortController; done: Promise<void> } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let changed = new Set<string>();
  let stopped = false;

  const start = (): void => {
    const controller = new AbortController();
    const done = runOnce(controller.signal)
      .catch((err) => void out.write(`${pc.red("stax:")} ${err instanceof Error ? err.message : err}\n`))
      .then(() => {
        if (current?.controller === controller) current = undefined;
        if (!stopped) out.write(pc.dim(`\nwatching ${workspace} for changes (Ctrl-C to stop)\n`));
      });
    current = { controller, done };
  };

  const rerun = async (): Promise<void> => {
    const files = unignored(workspace, [...changed]);
    changed = new Set();
    if (files.length === 0 || stopped) return;
    out.write(pc.bold(`\n↻ ${files.length} file(s) changed (${files.slice(0, 3).join(", ")}${files.length > 3 ? ", …" : ""})${current ? "; cancelling the run still going" : ""}\n`));
    const previous = current;
    if (previous) {
      previous.controller.abort();
      await previous.done;
    }
    if (!stopped && !current) start();
  };

  const watcher: FSWatcher = watch(workspace, { recursive: true }, (_type, name) => {
    if (!name) return;
    changed.add(name.toString());
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void rerun(), DEBOUNCE_MS);
  });
  start();
  await new Promise<void>((resolveStop) => {
    const stop = (): void => {
      stopped = true;
      watcher.close();
      if (timer) clearTimeout(timer);
      void (current?.done ?? Promise.resolve()).then(resolveStop);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
