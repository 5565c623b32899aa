/**
 * Remote actions and reusable workflows served from the action cache, as a user fills it with
 * `stax actions add`. The repositories are fixtures of our own under test/fixtures/marketplace/repos.
 * No test here touches the network: the engine gets no fetcher, and the CLI runs on a machine
 * without a route out (the miss must still be fast).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { addToCache, listCache } from "../../src/engine/index.js";
import { findCached } from "../../src/engine/actions/action-cache.js";
import { conclusions, runFixture, fixtureWorkspace } from "../helpers/engine.js";
import { STAX_BIN } from "../helpers/runner.js";
import { tempDir } from "../helpers/temp.js";

const WS = fixtureWorkspace("marketplace");
const REPOS = join(WS, "repos");

function filledCache(): string {
  const cache = tempDir("stax-actions-");
  addToCache(cache, "acme/node-action@v1", join(REPOS, "node-action"));
  addToCache(cache, "acme/composite-action@v2", join(REPOS, "composite-action"));
  addToCache(cache, "acme/workflows@main", join(REPOS, "workflows"));
  return cache;
}

test("ACT-05/06/07/10 a cached remote node action: Pre steps before all main steps, state to main and post, pre-if/post-if, outputs", async () => {
  const cache = filledCache();
  const r = await runFixture(WS, "remote.yml", {
    actions: { cache },
    secrets: { TOKEN: "s3cret-token-value" },
    jobs: ["node"],
  });
  const job = r.job("node");
  assert.equal(job.conclusion, "success", r.jobLog("node"));
  assert.deepEqual(
    job.steps.map((s) => [s.name, s.conclusion]),
    [
      ["Pre Run acme/node-action@v1", "success"],
      ["Pre Run acme/node-action@v1", "success"],
      ['Run echo "first main step"', "success"],
      ["Run acme/node-action@v1", "success"],
      ['Run test "hello stax" = "hello stax"', "success"],
      ["Run acme/node-action@v1", "success"],
      ["Post acme node action", "success"],
    ],
    "pre steps first in step order; one post, for the action whose post-if holds",
  );
  const log = r.jobLog("node");
  assert.match(log, /pre: who=stax repo=acme\/node-action ref=v1/);
  assert.match(log, /main: state=pre-for-stax who=stax/);
  assert.match(log, /main: repo=acme\/node-action ref=v1/);
  assert.match(log, /post: state=pre-for-stax main=done/);
  assert.doesNotMatch(log, /post: state=pre-for-quiet/);
});

test("COMP-* a cached remote composite action nests a remote node action and its own local sub-action; GITHUB_ACTION_PATH is its folder", async () => {
  const cache = filledCache();
  const r = await runFixture(WS, "remote.yml", { actions: { cache }, jobs: ["composite"] });
  assert.equal(r.job("composite").conclusion, "success", r.jobLog("composite"));
  assert.match(r.jobLog("composite"), new RegExp(`action path is ${join(cache, "acme", "composite-action@v2")}`));
});

test("ACT-05 pre: of a node action used inside a remote composite runs as a Pre step before the job's steps, with the inputs the composite passes; its state reaches main and post", async () => {
  const cache = filledCache();
  const r = await runFixture(WS, "remote.yml", { actions: { cache }, jobs: ["composite"] });
  const job = r.job("composite");
  assert.equal(job.conclusion, "success", r.jobLog("composite"));
  assert.deepEqual(
    job.steps.map((s) => s.name),
    [
      "Pre Run acme/node-action@v1",
      "Run acme/composite-action@v2",
      'Run test "ADA-hello ada" = "ADA-hello ada"',
      "Post acme composite",
    ],
  );
  const log = r.jobLog("composite");
  assert.match(log, /pre: who=ada repo=acme\/node-action ref=v1/);
  assert.match(log, /main: state=pre-for-ada who=ada/);
  assert.match(log, /post: state=pre-for-ada main=done/);
  assert.doesNotMatch(log, /is not run/);
});

test("RW-01/03/07 a cached remote reusable workflow: inputs, secrets, outputs, and its own ./ workflows nested", async () => {
  const cache = filledCache();
  const r = await runFixture(WS, "remote.yml", {
    actions: { cache },
    secrets: { TOKEN: "s3cret-token-value" },
    jobs: ["after"],
  });
  assert.deepEqual(
    conclusions(r.run),
    { "call / compile": "success", "call / nested / lint": "success", after: "success" },
    r.log,
  );
  assert.match(r.log, /linting from the shared repository/);
});

test("an uncached remote action or workflow fails its step/job with the cache path and the command that fills it", async () => {
  const cache = tempDir("stax-actions-");
  const r = await runFixture(WS, "missing.yml", { actions: { cache } });
  assert.deepEqual(conclusions(r.run), { "uses-missing": "failure", "calls-missing": "failure" });
  assert.match(
    r.jobLog("uses-missing"),
    new RegExp(`Action 'nobody/not-cached@v9' is not available offline.*${join(cache, "nobody", "not-cached@v9")}`),
  );
  assert.match(r.jobLog("uses-missing"), /stax actions add nobody\/not-cached@v9 <dir>/);
  assert.match(r.jobLog("calls-missing"), /Reusable workflow 'nobody\/shared@v1' is not available offline/);
});

test("stax run with an uncached remote action fails fast offline (no hang on the missing network)", () => {
  const home = tempDir("stax-home-");
  const t0 = Date.now();
  const res = spawnSync(process.execPath, [STAX_BIN, "run", "missing", "-w", WS, "--job", "uses-missing"], {
    encoding: "utf8",
    env: { ...process.env, STAX_HOME: home, NO_COLOR: "1" },
  });
  const ms = Date.now() - t0;
  assert.equal(res.status, 1, res.stdout + res.stderr);
  assert.match(res.stdout, /not available offline/);
  assert.match(res.stdout, /stax actions add nobody\/not-cached@v9/);
  // A guard against waiting on the network (minutes), not a speed check: a loaded machine takes several seconds.
  assert.ok(ms < 20_000, `took ${ms} ms`);
});

test("stax actions add/list/rm fill and show the cache; --action points an action at a local folder (like act --local-repository)", () => {
  const home = tempDir("stax-home-");
  const env = { ...process.env, STAX_HOME: home, NO_COLOR: "1" };
  const stax = (...args: string[]) => spawnSync(process.execPath, [STAX_BIN, ...args], { encoding: "utf8", env });
  assert.equal(stax("actions", "add", "acme/node-action@v1", join(REPOS, "node-action")).status, 0);
  assert.match(stax("actions", "list").stdout, /^acme\/node-action@v1 /m);
  assert.equal(stax("actions", "add", "not a spec", REPOS).status, 2);
  const over = stax(
    "run",
    "override",
    "-w",
    WS,
    "--action",
    `acme/node-action@feature-branch=${join(REPOS, "node-action")}`,
  );
  assert.equal(over.status, 0, over.stdout + over.stderr);
  assert.match(over.stdout, /comes from the local folder/);
  assert.equal(stax("actions", "rm", "acme/node-action@v1").status, 0);
  assert.match(stax("actions", "list").stdout, /is empty/);
});

test("a ref given as a short or full SHA finds the cached checkout of that commit", () => {
  const repo = join(tempDir("stax-repo-"), "node-action");
  cpSync(join(REPOS, "node-action"), repo, { recursive: true });
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
  git("init", "-q");
  git("add", ".");
  git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "v1");
  const sha = git("rev-parse", "HEAD");
  const cache = tempDir("stax-actions-");
  const entry = addToCache(cache, "acme/node-action@v1", repo);
  assert.equal(entry.commit, sha);
  assert.equal(findCached(cache, "acme", "node-action", sha.slice(0, 7)), entry.dir);
  assert.equal(findCached(cache, "acme", "node-action", sha), entry.dir);
  assert.equal(findCached(cache, "acme", "node-action", "v2"), undefined);
  assert.equal(listCache(cache)[0].commit, sha);
});
