import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { numericRunId } from "../../src/engine/context/github-context.js";
import { legLabels, runsOnMismatch } from "../../src/engine/job/runs-on.js";
import { FIXTURES, conclusions, runFixture } from "../helpers/engine.js";
import { tempDir } from "../helpers/temp.js";

test("JOB-12: a leg whose runs-on asks for Windows or macOS, or a label this machine lacks, is skipped with one line saying why; never run on Linux as a success", async () => {
  const r = await runFixture("platforms", "os.yml");
  assert.deepEqual(
    conclusions(r.run),
    {
      "build (ubuntu-latest)": "success",
      "build (windows-latest)": "skipped",
      "build (macos-14)": "skipped",
      gpu: "skipped",
      "after-gpu": "skipped",
      ids: "success",
    },
    r.log,
  );
  assert.match(
    r.jobLog("build (windows-latest)"),
    /^stax: skipped: runs-on 'windows-latest': 'windows-latest' asks for Windows and this machine is Linux \S+; run it here anyway with --platform windows-latest=host\n$/,
  );
  assert.match(r.jobLog("gpu"), /this machine has no runner label 'gpu'; run it here anyway with --platform gpu=host/);
  assert.doesNotMatch(r.log, /gpu job ran|built on windows/);
  assert.match(r.jobLog("build (ubuntu-latest)"), /built on ubuntu-latest as Linux/);
});

test("JOB-12: --platform LABEL=host runs the jobs asking for that label here (labels compare case-insensitively)", async () => {
  const r = await runFixture("platforms", "os.yml", { platforms: { GPU: "host", "windows-latest": "host" } });
  assert.equal(r.job("gpu").conclusion, "success", r.log);
  assert.equal(r.job("after-gpu").conclusion, "success");
  assert.equal(r.job("build (windows-latest)").conclusion, "success");
  assert.equal(r.job("build (macos-14)").conclusion, "skipped");
});

test("runs-on labels the host answers: ubuntu-*, linux, self-hosted, its architecture; a list needs them all", () => {
  assert.equal(runsOnMismatch(["ubuntu-24.04"], {}), undefined);
  assert.equal(runsOnMismatch(["self-hosted", "linux", process.arch === "arm64" ? "ARM64" : "X64"], {}), undefined);
  assert.match(runsOnMismatch(["self-hosted", "linux", "big"], {}) ?? "", /no runner label 'big'/);
});

test("runs-on over workers: the coordinator skips other OSes unless mapped; mapped labels ask nothing of a worker; the rest are the labels a worker must have", () => {
  assert.match(
    legLabels(["macos-latest"], {}).skip ?? "",
    /^stax: skipped: runs-on 'macos-latest': 'macos-latest' asks for macOS and stax workers run Linux; run it here anyway with --platform macos-latest=host$/,
  );
  assert.match(legLabels(["self-hosted", "Windows"], {}).skip ?? "", /'Windows' asks for Windows/);
  assert.deepEqual(legLabels(["windows-latest"], { "Windows-Latest": "host" }), { labels: [] });
  assert.deepEqual(legLabels(["self-hosted", "gpu"], { GPU: "host" }), { labels: [] });
  assert.deepEqual(legLabels(["ubuntu-latest"], {}), { labels: ["linux"] });
  assert.deepEqual(legLabels(["ubuntu-24.04-arm"], {}), { labels: ["arm64", "linux"] });
  assert.deepEqual(
    legLabels(["self-hosted", "Linux", "GPU"], {}),
    { labels: ["gpu", "linux"] },
    "a label no worker has yet: the leg waits for one, as on GitHub",
  );
});

test("CTX-01: github.run_id and run_number are numeric strings, as on GitHub", async () => {
  assert.equal(numericRunId("bac1fdcf"), String(0xbac1fdcf));
  assert.match(numericRunId("test"), /^\d+$/);
  const r = await runFixture("platforms", "os.yml", { jobs: ["ids"] });
  assert.equal(r.job("ids").conclusion, "success", r.log);
});

test("CTX-01: github.repository for a remote that is not on GitHub is owner/name from the URL's last two path parts", async () => {
  const ws = tempDir("stax-remote-");
  cpSync(join(FIXTURES, "platforms"), ws, { recursive: true });
  const git = (...a: string[]): string => execFileSync("git", a, { cwd: ws, encoding: "utf8" });
  git("init", "-q");
  git("remote", "add", "upstream", "https://gitlab.example.com/group/sub-group/my-project.git");
  const r = await runFixture(ws, "os.yml", { jobs: ["ids"] });
  assert.match(r.jobLog("ids"), /repository=sub-group\/my-project\n/);
});
