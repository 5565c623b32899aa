import { spawnSync } from "node:child_process";
import { watch, type FSWatcher } from "node:fs";
import { dirname, join, resolve } from "node:path";
import pc from "picocolors";
import { errorMessage } from "../contract/index.js";

/** Quiet time after the last change before running again: an editor's save is several events. */
const DEBOUNCE_MS = 300;

/** Of `files` (relative to `workspace`), those git does not ignore; `.git/` and, outside a repository, `node_modules/` never count. */
export function unignored(workspace: string, files: string[]): string[] {
  const candidates = files.filter((f) => !/(^|\/)\.git(\/|$)/.test(f));
  if (candidates.length === 0) return [];
  const r = spawnSync("git", ["check-ignore", "--stdin"], {
    cwd: workspace,
    input: candidates.join("\n"),
    encoding: "utf8",
  });
  // 0: some are ignored, 1: none is, anything else: not a repository.
  if (r.status !== 0 && r.status !== 1) return candidates.filter((f) => !/(^|\/)node_modules(\/|$)/.test(f));
  const ignored = new Set(r.stdout.split("\n").filter(Boolean));
  return candidates.filter((f) => !ignored.has(f));
}

/**
 * The folders to watch: those holding files git tracks or would track (so `node_modules` and
 * other ignored trees, often most of a JavaScript repository, cost no watcher), relative to the
 * workspace. Undefined outside a git repository.
 */
function watchedFolders(workspace: string): string[] | undefined {
  const r = spawnSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], {
    cwd: workspace,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) return undefined;
  const folders = new Set<string>(["."]);
  for (const file of r.stdout.split("\0")) {
    for (let d = dirname(file); d !== "." && !folders.has(d); d = dirname(d)) folders.add(d);
  }
  return [...folders];
}

/** Watches the workspace's non-ignored folders (re-read by `refresh`), or all of it outside git. */
class Watcher {
  private readonly watchers = new Map<string, FSWatcher>();

  constructor(
    private readonly workspace: string,
    private readonly onChange: (file: string) => void,
  ) {
    this.refresh();
  }

  /** Starts watching folders that appeared since the last call (a new folder is seen by its parent's watcher). */
  refresh(): void {
    const folders = watchedFolders(this.workspace);
    if (!folders) {
      if (!this.watchers.size)
        this.watchers.set(
          ".",
          watch(this.workspace, { recursive: true }, (_t, name) => name && this.onChange(name.toString())),
        );
      return;
    }
    for (const folder of folders) {
      if (this.watchers.has(folder)) continue;
      try {
        const w = watch(
          join(this.workspace, folder),
          (_t, name) => name && this.onChange(folder === "." ? name.toString() : join(folder, name.toString())),
        );
        w.on("error", () => this.watchers.delete(folder));
        this.watchers.set(folder, w);
      } catch {
        // removed meanwhile
      }
    }
  }

  close(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}

/**
 * `stax run --watch`: runs once, then again each time files of the workspace change (debounced,
 * `.gitignore`d files left out). A change during a run cancels it first, as a new push cancels
 * an outdated run. Ctrl-C cancels the run still going (as without --watch) and stops watching.
 */
export async function watchAndRun(
  workspaceFlag: string,
  runOnce: (signal: AbortSignal) => Promise<unknown>,
  out: NodeJS.WritableStream,
): Promise<void> {
  const workspace = resolve(workspaceFlag);
  let current: { controller: AbortController; done: Promise<void> } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let changed = new Set<string>();
  let stopped = false;

  const start = (): void => {
    const controller = new AbortController();
    const done = runOnce(controller.signal)
      .catch((err) => void out.write(`${pc.red("stax:")} ${errorMessage(err)}\n`))
      .then(() => {
        if (current?.controller === controller) current = undefined;
        if (!stopped) out.write(pc.dim(`\nwatching ${workspace} for changes (Ctrl-C to stop)\n`));
      });
    current = { controller, done };
  };

  const rerun = async (): Promise<void> => {
    const files = unignored(workspace, [...changed]);
    changed = new Set();
    watcher.refresh();
    if (files.length === 0 || stopped) return;
    out.write(
      pc.bold(
        `\n↻ ${files.length} file(s) changed (${files.slice(0, 3).join(", ")}${files.length > 3 ? ", …" : ""})${current ? "; cancelling the run still going" : ""}\n`,
      ),
    );
    const previous = current;
    if (previous) {
      previous.controller.abort();
      await previous.done;
    }
    if (!stopped && !current) start();
  };

  const watcher = new Watcher(workspace, (file) => {
    changed.add(file);
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
