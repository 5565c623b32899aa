/**
 * Temporary folders of a test file, removed when its process ends, and fixture workspaces copied
 * into them: a test workspace never lives inside this repository, so git never walks up to the
 * project's own `.git` (where worktrees of legs and sandboxes would otherwise be registered).
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const FIXTURES = resolve(import.meta.dirname, "..", "fixtures");

const made: string[] = [];
process.on("exit", () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A new folder under the system's temporary folder, removed when this test process exits. */
export function tempDir(prefix = "stax-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Makes `dir` a git repository of its own with one commit of everything in it. */
export function gitInit(dir: string): void {
  const git = (...args: string[]) =>
    execFileSync(
      "git",
      ["-c", "user.name=stax", "-c", "user.email=stax@example.invalid", "-c", "commit.gpgsign=false", ...args],
      { cwd: dir, stdio: "ignore" },
    );
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "--allow-empty", "-m", "fixture");
}

/**
 * `test/fixtures/<name>` copied to `<temp>/<name>` (the folder keeps its name: runs see
 * `local/<name>` as their repository), a git repository of its own unless `git: false`.
 */
export function fixtureCopy(name: string, opts: { git?: boolean } = {}): string {
  const dir = join(tempDir("stax-ws-"), name);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  if (opts.git !== false) gitInit(dir);
  return dir;
}

/**
 * Polls `probe` until it returns a value other than undefined; throws after `ms` naming what it
 * waited for and the last value seen, so a hang fails the test instead of stalling CI.
 */
export async function until<T>(
  what: string | (() => string),
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 60_000,
  every = 30,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${typeof what === "string" ? what : what()}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/**
 * This process's environment as a user's shell has it: without the `npm_*` variables `npm test`
 * adds (`npm_config_userconfig` names the machine's real `~/.npmrc`, which a test's step would
 * otherwise write).
 */
export function shellEnv(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}
