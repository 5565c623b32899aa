/**
 * Fetching an action repository into the cache when the network allows: first a short
 * reachability probe (so an offline machine fails in well under a second, never hangs), then a
 * shallow, time-limited git fetch of the one ref.
 */
import { spawn } from "node:child_process";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { entryDir } from "./action-cache.js";
import type { Result } from "../../contract/index.js";

export interface FetchOptions {
  /** GITHUB_TOKEN for private repositories. */
  token?: string;
  /** Where repositories live; default GitHub. */
  host?: string;
  probeMs?: number;
  timeoutMs?: number;
}

/** Fetches `owner/repo@ref` into the cache: the folder it is in, or why it could not. */
export type ActionFetcher = (owner: string, repo: string, ref: string) => Promise<Result<string>>;

function reachable(host: string, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port: 443 });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), ms);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Runs git quietly: nothing, or its error output (or why it did not finish). */
function git(args: string[], cwd: string, timeoutMs: number): Promise<Result<void>> {
  return new Promise((resolve) => {
    // `core.askPass=true` answers any credential prompt with nothing: a private repository without a token fails, never waits.
    const child = spawn("git", ["-c", "core.askPass=true", ...args], { cwd, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => resolve({ ok: false, error: e.message }));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve(
        code === 0
          ? { ok: true, value: undefined }
          : { ok: false, error: code === null ? `timed out after ${timeoutMs} ms` : err.trim() },
      );
    });
  });
}

/** A fetcher that puts `owner/repo@ref` into `cache` with a shallow fetch of that ref (tag, branch or SHA). */
export function gitFetcher(cache: string, o: FetchOptions = {}): ActionFetcher {
  const host = o.host ?? "github.com";
  return async (owner, repo, ref) => {
    if (!(await reachable(host, o.probeMs ?? 700))) return { ok: false, error: `${host} is not reachable (offline?)` };
    const dir = entryDir(cache, owner, repo, ref);
    const tmp = `${dir}.fetch-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const auth = o.token ? `x-access-token:${o.token}@` : "";
    const timeout = o.timeoutMs ?? 60_000;
    const steps = [
      ["init", "-q"],
      ["remote", "add", "origin", `https://${auth}${host}/${owner}/${repo}`],
      ["fetch", "-q", "--depth", "1", "origin", ref],
      ["checkout", "-q", "FETCH_HEAD"],
    ];
    for (const args of steps) {
      const r = await git(args, tmp, timeout);
      if (!r.ok) {
        rmSync(tmp, { recursive: true, force: true });
        return {
          ok: false,
          error: `git ${args[0]} ${owner}/${repo}@${ref}: ${(o.token ? r.error.replaceAll(o.token, "***") : r.error) || "failed"}`,
        };
      }
    }
    const head = await new Promise<string>((resolve) => {
      const c = spawn("git", ["rev-parse", "HEAD"], { cwd: tmp });
      let out = "";
      c.stdout.on("data", (d: Buffer) => (out += d.toString()));
      c.on("close", () => resolve(out.trim()));
    });
    rmSync(join(tmp, ".git"), { recursive: true, force: true });
    writeFileSync(
      join(tmp, ".stax-action.json"),
      JSON.stringify({ commit: head, source: `${host}/${owner}/${repo}`, addedAt: new Date().toISOString() }, null, 2),
    );
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    return { ok: true, value: dir };
  };
}
