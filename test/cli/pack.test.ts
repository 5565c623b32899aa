/**
 * stax installs like any Node CLI, from its own tarball: `npm pack` (its `prepack` builds) of a
 * copy of this checkout (the test writes nothing into the repository), then `npm install -g
 * --prefix` and `npx --yes <tarball>` with npm's defaults: a clean HOME, no user or global npm
 * configuration, a cache of its own. The package declares no dependencies (its bundle holds them),
 * so nothing is fetched; were one added, the registry would be reached as npm does by default.
 * The installed command then runs on a PATH that holds node, npm, git and bash and no compiler.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { tempDir } from "../helpers/temp.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const MATRIX = `name: matrix
on: push
jobs:
  greet:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        who: [ada, grace]
    steps:
      - run: echo "hello \${{ matrix.who }}"
`;

/** A folder of links to the only programs the installed stax may use: no cc, gcc, make or python. */
function toolsDir(base: string): string {
  const dir = join(base, "tools");
  mkdirSync(dir);
  const which = (name: string) =>
    realpathSync(execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim());
  symlinkSync(process.execPath, join(dir, "node"));
  for (const name of ["npm", "npx", "git", "bash", "sh", "env"]) symlinkSync(which(name), join(dir, name));
  return dir;
}

/** The environment of npm's defaults: nothing of this machine's npm configuration, nothing inherited from an npm that started the tests. */
function cleanEnv(base: string, path: string): NodeJS.ProcessEnv {
  const home = join(base, "home");
  mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^npm_|^NODE_OPTIONS$|^STAX_|^RUNNER_URL$/i.test(k)) env[k] = v;
  return {
    ...env,
    HOME: home,
    PATH: path,
    npm_config_userconfig: join(home, ".npmrc"),
    npm_config_globalconfig: join(home, "global-npmrc"),
    npm_config_cache: join(home, ".npm"),
    STAX_HOME: join(base, "stax-home"),
    NO_COLOR: "1",
  };
}

/** Runs a command that must succeed; its stdout, or stdout and stderr with `both`. */
function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; both?: boolean }): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env, encoding: "utf8", timeout: 300_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")}: exit ${r.status} ${r.error ?? ""}\n${r.stdout}\n${r.stderr}`);
  return opts.both ? r.stdout + r.stderr : r.stdout;
}

/** Every package.json of an installed tree, and any file that would mean native code. */
function installedPackages(
  dir: string,
  found: { pkgs: Record<string, unknown>[]; native: string[] } = { pkgs: [], native: [] },
) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) installedPackages(p, found);
    else if (name === "package.json" && dir.split("/").at(-2)?.startsWith("node_modules") !== false)
      found.pkgs.push(JSON.parse(readFileSync(p, "utf8")) as Record<string, unknown>);
    if (name === "binding.gyp" || name.endsWith(".node")) found.native.push(p);
  }
  return found;
}

async function firstEvent(url: string): Promise<string> {
  const ac = new AbortController();
  const res = await fetch(`${url}/api/events?since=0`, { signal: ac.signal });
  assert.equal(res.headers.get("content-type")?.split(";")[0], "text/event-stream");
  const reader = res.body!.getReader();
  let text = "";
  const timer = setTimeout(() => ac.abort(), 30_000);
  try {
    // The first stored event (a `ping` may come before it).
    while (!/event: (run|job|step)\.\w+\ndata: .*\n/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return text;
}

test("the package packs with its build and nothing else, installs from its tarball with npm's defaults and no install script, and its stax runs a matrix, serves the dashboard and streams events; npx runs it too", async () => {
  const base = tempDir("stax-pack-");
  // A copy of the project without its installed and built folders (CI's copies per Node are not
  // git repositories), lent this checkout's node_modules to build with.
  const copy = join(base, "src");
  const skip = new Set(
    ["node_modules", ".git", "dist", ".stax"].map((d) => join(ROOT, d)).concat(join(ROOT, "web", "dist")),
  );
  cpSync(ROOT, copy, { recursive: true, filter: (from) => !skip.has(from) });
  symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"));
  const packed = run("npm", ["pack", "--json", "--pack-destination", base], {
    cwd: copy,
    env: { ...process.env, npm_config_loglevel: "error" },
  });
  // stdout holds the prepack build's own output, then npm's JSON.
  const [info] = JSON.parse(packed.slice(packed.lastIndexOf("[\n  {"))) as {
    filename: string;
    size: number;
    files: { path: string }[];
  }[];
  const files = info.files.map((f) => f.path).sort();
  assert.ok(
    files.includes("dist/cli.js") &&
      files.includes("bin/stax") &&
      files.includes("web/dist/index.html") &&
      files.includes("LICENSE") &&
      files.includes("README.md"),
    files.join(" "),
  );
  assert.deepEqual(
    files.filter((f) => !/^(dist|web\/dist|bin)\//.test(f) && !["LICENSE", "README.md", "package.json"].includes(f)),
    [],
    "nothing but the build, bin, README and licence",
  );
  const tarball = join(base, info.filename);

  const tools = toolsDir(base);
  const prefix = join(base, "prefix");
  const env = cleanEnv(base, `${join(prefix, "bin")}:${tools}`);
  for (const compiler of ["cc", "gcc", "g++", "make", "python3"])
    assert.equal(
      spawnSync("bash", ["-c", `command -v ${compiler}`], { env }).status,
      1,
      `${compiler} is not on the PATH`,
    );
  const installed = run("npm", ["install", "-g", "--prefix", prefix, "--no-audit", "--no-fund", tarball], {
    cwd: base,
    env,
    both: true,
  });
  assert.doesNotMatch(installed, /allow-scripts|install script|node-gyp/i, installed);
  const tree = installedPackages(join(prefix, "lib", "node_modules", "stax"));
  const scripted = tree.pkgs
    .filter((p) => {
      const s = (p.scripts ?? {}) as Record<string, string>;
      return s.preinstall || s.install || s.postinstall;
    })
    .map((p) => p.name);
  assert.deepEqual(scripted, [], "no installed package has an install script");
  assert.deepEqual(tree.native, [], "no native code is installed");

  const ws = join(base, "ws");
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  writeFileSync(join(ws, ".github", "workflows", "matrix.yml"), MATRIX);
  assert.equal(run("stax", ["--version"], { cwd: ws, env }).trim(), VERSION);
  const out = run("stax", ["run", "matrix"], { cwd: ws, env, both: true });
  assert.match(out, /hello ada/);
  assert.match(out, /hello grace/);
  assert.doesNotMatch(out, /Warning/);

  const started = run("stax", ["runner", "start", "--port", "0"], { cwd: ws, env });
  const url = started.match(/Dashboard: (http:\/\/127\.0\.0\.1:\d+)\//)?.[1];
  assert.ok(url, started);
  try {
    const page = await fetch(`${url}/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    const script = html.match(/<script type="module"[^>]* src="([^"]+)"/)?.[1];
    assert.ok(script, html);
    assert.equal((await fetch(`${url}${script}`)).status, 200, "the dashboard's code is served");
    // The run above is in the workspace's store: the stream replays its events from id 0.
    assert.match(await firstEvent(url), /event: run\.\w+/);
  } finally {
    assert.match(run("stax", ["runner", "stop"], { cwd: ws, env }), /stopped/);
  }

  // A bare path would be run as a program by npx: `file:` makes it a package spec.
  const npx = run("npx", ["--yes", `file:${tarball}`, "run", "matrix"], {
    cwd: ws,
    env: cleanEnv(base, tools),
    both: true,
  });
  assert.match(npx, /hello ada/);
  assert.match(npx, /hello grace/);
  assert.ok(existsSync(join(base, "home", ".npm", "_npx")), "npx installed it in its own cache");
});
