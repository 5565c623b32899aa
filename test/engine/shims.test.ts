/**
 * The built-in shims, each against a real workflow (test/fixtures/shims), run in a temporary
 * copy of the fixture with a temporary HOME, so nothing they write lands in the repository.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { FIXTURES, conclusions, runFixture, type FixtureOptions } from "../helpers/engine.js";
import { tempDir } from "../helpers/temp.js";

function sandbox(): { workspace: string; home: string; cacheDir: string } {
  const root = tempDir("stax-shims-");
  const workspace = join(root, "ws");
  cpSync(join(FIXTURES, "shims"), workspace, { recursive: true });
  const home = join(root, "home");
  mkdirSync(home);
  return { workspace, home, cacheDir: join(root, "cache") };
}

const run = (file: string, s: ReturnType<typeof sandbox>, opts: FixtureOptions = {}) =>
  runFixture(s.workspace, file, { hostEnv: { ...process.env, HOME: s.home }, cacheDir: s.cacheDir, ...opts });

test("actions/setup-node uses a Node of this machine (PATH or a version manager), puts it first on PATH, sets node-version; fails clearly when none matches", async () => {
  const s = sandbox();
  // A fake nvm installation: `node --version` of v99.1.0.
  const bin = join(s.home, ".nvm", "versions", "node", "v99.1.0", "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "node"), "#!/bin/sh\necho v99.1.0\n");
  chmodSync(join(bin, "node"), 0o755);
  const r = await run("setup-node.yml", s, { env: { NODE_MAJOR: process.versions.node.split(".")[0] } });
  assert.deepEqual(
    conclusions(r.run),
    { "this-node": "success", "from-nvm": "success", missing: "failure", "lts-unresolved": "failure" },
    r.log,
  );
  assert.match(r.jobLog("this-node"), /built-in actions\/setup-node/);
  assert.match(r.jobLog("missing"), /No Node matching '7\.1' is installed on this machine \(found: .*99\.1\.0/);
  assert.match(
    r.jobLog("lts-unresolved"),
    /No Node matching 'lts\/\*' is installed on this machine .*Resolving it needs the npm registry/,
  );
});

test("actions/setup-python puts a Python of this machine first as python and python3 and sets python-version; fails clearly when none matches", async () => {
  const s = sandbox();
  const r = await run("setup-python.yml", s);
  assert.deepEqual(conclusions(r.run), { python: "success", missing: "failure" }, r.log);
  assert.match(r.jobLog("python"), /python shell works/);
  assert.match(r.jobLog("missing"), /No Python matching '2\.6'/);
});

test("actions/setup-java uses a JDK of this machine (its release file), of the distribution asked for when there is one; sets JAVA_HOME and the PATH; fails clearly when none matches", async () => {
  const s = sandbox();
  // Fake SDKMAN JDKs with versions no machine has: two vendors of 99, and an old-style 1.8.
  const jdk = (name: string, version: string, implementor: string) => {
    const dir = join(s.home, ".sdkman", "candidates", "java", name);
    mkdirSync(join(dir, "bin"), { recursive: true });
    writeFileSync(join(dir, "release"), `IMPLEMENTOR="${implementor}"\nJAVA_VERSION="${version}"\n`);
    writeFileSync(join(dir, "bin", "java"), `#!/bin/sh\necho "fake java ${version}" >&2\n`);
    chmodSync(join(dir, "bin", "java"), 0o755);
  };
  jdk("99.0.1-tem", "99.0.1", "Eclipse Adoptium");
  jdk("99.0.2-zulu", "99.0.2", "Azul Systems, Inc.");
  jdk("8.0.999-zulu", "1.8.0_999", "Azul Systems, Inc.");
  const r = await run("setup-java.yml", s);
  assert.deepEqual(
    conclusions(r.run),
    { temurin: "success", "other-vendor": "success", "old-style": "success", missing: "failure" },
    r.log,
  );
  assert.match(r.jobLog("temurin"), /built-in actions\/setup-java .*Found Java 99\.0\.1 \(Eclipse Adoptium\)/s);
  assert.match(r.jobLog("temurin"), /cache 'maven' is this machine's own maven folder/);
  // No Corretto 99 here: the highest 99 of another vendor, said so.
  assert.match(r.jobLog("other-vendor"), /no corretto JDK 99 here; using Azul Systems, Inc\.'s/);
  assert.match(
    r.jobLog("missing"),
    /No JDK matching '5' is installed on this machine \(found: .*99\.0\.1 \(Eclipse Adoptium\)/,
  );
});

test("actions/setup-go uses a Go of this machine (its VERSION file): stable, oldstable, go.mod's version; its bin first on the PATH; fails clearly when none matches", async () => {
  const s = sandbox();
  // Fake Go roots with versions no machine has: golang.org/dl's ~/sdk and goenv's.
  const goroot = (dir: string, version: string) => {
    mkdirSync(join(dir, "bin"), { recursive: true });
    writeFileSync(join(dir, "VERSION"), `go${version}\ntime 2030-01-01T00:00:00Z\n`);
    writeFileSync(join(dir, "bin", "go"), `#!/bin/sh\necho "go version go${version} linux/amd64"\n`);
    chmodSync(join(dir, "bin", "go"), 0o755);
  };
  goroot(join(s.home, "sdk", "go99.1.2"), "99.1.2");
  goroot(join(s.home, "sdk", "go99.0.5"), "99.0.5");
  goroot(join(s.home, ".goenv", "versions", "98.3.0"), "98.3.0");
  const r = await run("setup-go.yml", s);
  assert.deepEqual(
    conclusions(r.run),
    { stable: "success", oldstable: "success", "from-go-mod": "success", missing: "failure" },
    r.log,
  );
  assert.match(r.jobLog("stable"), /built-in actions\/setup-go .*Found Go 99\.1\.2 in .*sdk.* for 'stable'/s);
  assert.match(r.jobLog("stable"), /Go module and build caches are this machine's own/);
  assert.doesNotMatch(r.jobLog("oldstable"), /caches are this machine's own/);
  assert.match(r.jobLog("missing"), /No Go matching '1\.2' is installed on this machine \(found: .*99\.1\.2/);
});

test("pnpm/action-setup uses a pnpm of this machine for version or packageManager, PNPM_HOME of the run's own, run_install as the action reads it; fails clearly on two versions or none", async () => {
  const s = sandbox();
  // A fake pnpm on the PATH: its version, and what an install was asked to do, and where.
  const bin = join(s.home, "fake-bin");
  mkdirSync(bin);
  writeFileSync(
    join(bin, "pnpm"),
    `#!/bin/sh\nif [ "$1" = --version ]; then echo 99.2.0; else echo "fake pnpm $* in $PWD"; fi\n`,
  );
  chmodSync(join(bin, "pnpm"), 0o755);
  const r = await run("setup-pnpm.yml", s, {
    hostEnv: { ...process.env, HOME: s.home, PATH: `${bin}:${process.env.PATH}` },
  });
  assert.deepEqual(
    conclusions(r.run),
    {
      "from-path": "success",
      recursive: "success",
      "package-manager": "success",
      conflict: "failure",
      missing: "failure",
    },
    r.log,
  );
  assert.match(r.jobLog("from-path"), /Found pnpm 99\.2\.0 in PATH .* for '99'.*fake pnpm install in /s);
  assert.match(r.jobLog("recursive"), /fake pnpm recursive install --frozen-lockfile in \S+\/sub$/m);
  assert.match(r.jobLog("package-manager"), /Found pnpm 99\.2\.0 in PATH .* for '99\.2\.0'/);
  assert.match(
    r.jobLog("conflict"),
    /Multiple versions of pnpm specified: version 98 in the workflow, version 99\.2\.0 in the packageManager field/,
  );
  assert.match(r.jobLog("missing"), /No pnpm matching '7' is on this machine \(found: 99\.2\.0 \(PATH\)/);
});

test("actions/cache: miss then save in a post step on success, exact hit, restore-keys prefix, ~ paths, cache/save, nothing saved when the job failed", async () => {
  const s = sandbox();
  const r = await run("cache.yml", s);
  assert.deepEqual(
    conclusions(r.run),
    { save: "success", restore: "success", failing: "failure", check: "success" },
    r.log,
  );
  const save = r.job("save");
  assert.equal(save.steps.at(-1)?.name, "Post Run actions/cache@v4");
  assert.match(r.jobLog("save"), /Cache saved with key: k-[0-9a-f]{64} \(2 file\(s\)\)/);
  assert.ok(!r.job("failing").steps.some((x) => x.name.startsWith("Post")), "no save after a failed job");
  const again = await run("cache.yml", s, { jobs: ["save"] });
  assert.match(again.jobLog("save"), /Cache restored from key: k-/);
});

test("actions/cache keeps an entry as a gzipped tar: links stay links (one to its own folder too), restore replaces files already there, a broken entry is a warning and a miss", async () => {
  const s = sandbox();
  const saved = await run("cache-links.yml", s, { jobs: ["save"] });
  assert.equal(saved.job("save").conclusion, "success", saved.log);
  assert.match(saved.log, /Cache saved with key: links-v1 \(6 file\(s\)\)/);
  const entry = join(s.cacheDir, "links-v1");
  assert.ok(statSync(join(entry, "home.tar.gz")).size < 64 * 1024, "1 MiB of zeros is stored compressed");
  rmSync(join(s.home, ".stax-links"), { recursive: true });
  const restored = await run("cache-links.yml", s, { jobs: ["restore"] });
  assert.equal(restored.job("restore").conclusion, "success", restored.log);
  writeFileSync(join(entry, "home.tar.gz"), "not a gzip file");
  const broken = await run("cache-links.yml", s, { jobs: ["restore-broken"] });
  assert.equal(broken.job("restore-broken").conclusion, "success", broken.log);
  assert.deepEqual(
    broken.job("restore-broken").steps.map((x) => x.conclusion),
    ["success", "success"],
  );
  assert.match(broken.log, /##\[warning\]Failed to restore: /);
});

test("actions/github-script runs the script with context, core (annotations keep title, file and line), exec, io and require; result encodings; github fails clearly offline", async () => {
  const s = sandbox();
  const r = await run("github-script.yml", s);
  assert.equal(r.run.conclusion, "success", r.log);
  assert.match(r.log, /event push job script/);
  assert.match(
    r.log,
    /^##\[warning\]Lint: a, b \(src\/app\.ts#L12:3\) check this$/m,
    "core.warning keeps title, file, line and column",
  );
  assert.match(r.log, /^##\[notice\]\(README\.md\) from an error$/m);
  assert.match(
    r.log,
    /github\.rest\.issues\.get\(\): github \(the Octokit client of actions\/github-script\) needs the GitHub API/,
  );
  // Once, as one error line: no stack into stax's own runtime repeating it (it was printed twice).
  assert.equal(r.log.split("needs the GitHub API").length, 2, r.log);
  assert.doesNotMatch(r.log, /github-script-runtime\.cjs/);
});

test("actions/checkout: the workspace as it is; another ref in a worktree at path (removed after the job); an unknown ref fails", async () => {
  const s = sandbox();
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], {
      cwd: s.workspace,
      stdio: "ignore",
    });
  git("init", "-q");
  writeFileSync(join(s.workspace, "version.txt"), "one\n");
  git("add", ".");
  git("commit", "-q", "-m", "one");
  git("tag", "first");
  writeFileSync(join(s.workspace, "version.txt"), "two\n");
  git("commit", "-q", "-am", "two");
  const r = await run("checkout.yml", s);
  assert.deepEqual(conclusions(r.run), { same: "success", "other-ref": "success", "missing-ref": "failure" }, r.log);
  assert.match(r.jobLog("same"), /fetch-depth 0 is ignored/);
  assert.match(r.jobLog("missing-ref"), /ref 'no-such-branch' is not in the local repository/);
  assert.ok(!existsSync(join(s.workspace, "old")), "the worktree is removed after the job");
});

test("actions/cache eviction by GitHub's rules: beyond the size limit the least recently used entry goes (a restore counts as a use), an entry unused for 7 days goes, the entry just saved stays", async () => {
  const s = sandbox();
  const cacheLimits = { maxBytes: 1536 * 1024, idleDays: 7 };
  const save = async (key: string, kib: number) => {
    const r = await run("cache-evict.yml", s, {
      event: "workflow_dispatch",
      inputs: { key, kib },
      jobs: ["save"],
      cacheLimits,
    });
    assert.equal(r.job("save").conclusion, "success", r.log);
    return r.log;
  };
  const entries = () => readdirSync(s.cacheDir).sort();
  await save("a", 700);
  assert.doesNotMatch(await save("b", 700), /Removed/);
  const restored = await run("cache-evict.yml", s, {
    event: "workflow_dispatch",
    inputs: { key: "a" },
    jobs: ["restore"],
    cacheLimits,
  });
  assert.equal(restored.job("restore").conclusion, "success", restored.log);
  assert.match(
    await save("c", 700),
    /Removed 1 cache entry unused for 7 days or beyond 1\.5 MiB in all \(least recently used first\)/,
  );
  assert.deepEqual(entries(), ["a", "c"], "b, used least recently, went; a was restored after it was saved");
  const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000);
  utimesSync(join(s.cacheDir, "c", "meta.json"), eightDaysAgo, eightDaysAgo);
  await save("d", 1);
  assert.deepEqual(entries(), ["a", "d"], "c, unused for 8 days, went though the cache is under its size limit");
});
