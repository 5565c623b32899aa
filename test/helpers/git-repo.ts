/**
 * Fixture git repositories made by the tests: real commits on real branches, tags and
 * uncommitted files, and `bin/stax` run against them with a data folder of their own.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { tempDir } from "./temp.js";

export const STAX = resolve(import.meta.dirname, "..", "..", "bin", "stax");

export interface StaxResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A repository on `main` with one commit holding `files` (path → content). */
export class FixtureRepo {
  readonly dir = tempDir("stax-repo-");
  /** STAX_HOME of this repository's runs, so tests never share a store. */
  readonly home = tempDir("stax-home-");

  constructor(files: Record<string, string>) {
    this.git("init", "-q", "-b", "main");
    this.git("config", "user.name", "Fixture Author");
    this.git("config", "user.email", "fixture@example.com");
    this.git("config", "commit.gpgsign", "false");
    this.commit("initial", files);
  }

  git(...args: string[]): string {
    return execFileSync("git", args, { cwd: this.dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  }

  /** Writes files without committing them. */
  write(files: Record<string, string>): void {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(this.dir, path)), { recursive: true });
      writeFileSync(join(this.dir, path), content);
    }
  }

  /** Writes and commits files. */
  commit(message: string, files: Record<string, string>): void {
    this.write(files);
    this.git("add", "-A");
    this.git("commit", "-q", "--allow-empty", "-m", message);
  }

  private env(extra: Record<string, string>): NodeJS.ProcessEnv {
    return {
      ...process.env,
      STAX_WORKSPACE: "",
      STAX_HOME: this.home,
      NO_COLOR: "1",
      FORCE_COLOR: "",
      RUNNER_URL: "",
      ...extra,
    };
  }

  /** Runs `bin/stax` in this repository. */
  stax(args: string[], env: Record<string, string> = {}): StaxResult {
    const r = spawnSync(process.execPath, [STAX, ...args], {
      cwd: this.dir,
      encoding: "utf8",
      env: this.env(env),
      timeout: 90_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** The same without blocking this process (needed when the runner it talks to runs in the test). */
  staxAsync(args: string[], env: Record<string, string> = {}): Promise<StaxResult> {
    const child = spawn(process.execPath, [STAX, ...args], {
      cwd: this.dir,
      env: this.env(env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  }
}

/**
 * `stax run ARGS` in `r`, which must succeed: the text a step printed after `SHOW ` (undefined
 * when none did) and what stax wrote on stderr.
 */
export function shown(r: FixtureRepo, args: string[]): { line: string | undefined; stderr: string } {
  const out = r.stax(["run", ...args]);
  if (out.code !== 0) throw new Error(`stax run ${args.join(" ")}: exit ${out.code}\n${out.stdout}${out.stderr}`);
  return { line: out.stdout.match(/\] +SHOW (.*)$/m)?.[1], stderr: out.stderr };
}

/** A workflow that only echoes `RAN <name>` (and the ref), triggered by `on` (YAML). */
export function echoWorkflow(name: string, on: string): string {
  return `name: ${name}\non:\n${on.replace(/^/gm, "  ")}\njobs:\n  echo:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "RAN ${name} at \${{ github.ref }}"\n`;
}
