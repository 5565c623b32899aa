/**
 * The CLI against a real runner (in this process, on a free port, found through RUNNER_URL):
 * `stax log -f`, `runs`, `show`, `artifacts`, `secret`, each as a user types it.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { ArtifactInfo, WorkflowRun } from "../../src/contract/index.js";
import { STAX_BIN, startTestRunner, type TestRunner } from "../helpers/runner.js";
import { tempDir } from "../helpers/temp.js";

let r: TestRunner;
before(async () => {
  r = await startTestRunner();
});
after(() => r.close());

function stax(args: string[], input?: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [STAX_BIN, ...args], {
      env: { ...process.env, NO_COLOR: "1", RUNNER_URL: r.url, STAX_HOME: r.home, STAX_WORKSPACE: r.workspace },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) => done({ code, out, err }));
    child.stdin.end(input);
  });
}

const expectedLines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}\n`).join("");
/** The log lines of `stax log -f` output, without their `[job]   ` prefix (headers and results left out). */
const logLines = (out: string) =>
  out
    .split("\n")
    .filter((l) => /^\[print\] {3}line \d+$/.test(l))
    .map((l) => `${l.slice("[print]   ".length)}\n`)
    .join("");

async function startChatty(lines: number, every: number, pause: number): Promise<WorkflowRun> {
  const res = await r.json<WorkflowRun>("POST", "/api/runs", {
    workflow: "chatty",
    inputs: { lines: String(lines), every: String(every), pause: String(pause) },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function waitFor(pred: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

test("stax log -f started before the run prints began prints every line exactly once and exits 0", async () => {
  const run = await startChatty(400, 50, 60);
  const res = await stax(["log", run.id, "-f"]);
  assert.equal(res.code, 0, res.err);
  assert.equal(logLines(res.out), expectedLines(400));
  // Prefixed as `stax run` prints when piped: the job on every line, step headers and results.
  assert.match(res.out, /^\[print\] ▶ Run node scripts\/print\.mjs/m);
  assert.match(res.out, /^\[print\] ✓ job success/m);
});

test("stax log -f started in the middle of the run prints every line exactly once", async () => {
  const run = await startChatty(400, 50, 60);
  await waitFor(
    async () => (await r.json<string>("GET", `/api/runs/${run.id}/logs`)).body.includes("line 120\n"),
    "line 120",
  );
  const res = await stax(["log", String(run.number), "-f"]);
  assert.equal(res.code, 0, res.err);
  assert.equal(logLines(res.out), expectedLines(400));
  const finished = (await r.json<WorkflowRun>("GET", `/api/runs/${run.id}`)).body;
  assert.equal(finished.status, "completed");
});

test("stax log -f after the run completed prints every line once and exits with its conclusion", async () => {
  const run = await startChatty(300, 0, 0);
  await waitFor(
    async () => (await r.json<WorkflowRun>("GET", `/api/runs/${run.id}`)).body.status === "completed",
    "completion",
  );
  const res = await stax(["log", run.id.slice(0, 8), "-f"]);
  assert.equal(res.code, 0, res.err);
  assert.equal(logLines(res.out), expectedLines(300));
  const failed = await r.runToEnd("flaky");
  const f = await stax(["log", failed.id, "-f"]);
  assert.equal(f.code, 1, `${failed.conclusion}: ${f.err}`);
});

test("stax log without -f prints the sectioned log; --job/--step narrow it", async () => {
  const run = await r.runToEnd("chatty", { inputs: { lines: "3" } });
  const all = await stax(["log", run.id]);
  assert.equal(all.code, 0, all.err);
  // The run came through the API, so it ran in a sandbox: the first step's log says which.
  assert.equal(
    all.out.replace(/\(\w+\)\n/, "(…)\n"),
    "=== Job: print (print) ===\n--- Step 1: Run node scripts/print.mjs 3 0 0 [success] ---\n" +
      "stax: running in a git worktree of HEAD (…)\nline 1\nline 2\nline 3\n",
  );
  const one = await stax(["log", "last", "--job", "print", "--step", "1"]);
  assert.match(one.out, /line 3/);
  const none = await stax(["log", "last", "--job", "print", "--step", "2"]);
  assert.doesNotMatch(none.out, /line/);
});

test("stax runs and stax show list and inspect runs, also as JSON", async () => {
  const run = await r.runToEnd("two-jobs");
  const list = await stax(["runs", "--limit", "2", "--json"]);
  const runs = JSON.parse(list.out) as WorkflowRun[];
  assert.equal(runs.length, 2);
  assert.equal(runs[0].id, run.id);
  const show = await stax(["show", "last", "--json"]);
  assert.equal((JSON.parse(show.out) as WorkflowRun).id, run.id);
  const text = await stax(["show", run.id]);
  assert.match(text.out, new RegExp(`two-jobs`));
  const failures = await stax(["runs", "--status", "failure", "--json"]);
  assert.ok((JSON.parse(failures.out) as WorkflowRun[]).every((x) => x.conclusion === "failure"));
  const missing = await stax(["show", "no-such-run"]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /no-such-run/);
});

test("artifacts: upload-artifact stores files and folders; the API lists and downloads them (a folder as a zip); the CLI too", async () => {
  const run = await r.runToEnd("artifacts");
  assert.equal(run.conclusion, "success", JSON.stringify(run.jobs.map((j) => [j.id, j.conclusion])));
  const list = (await r.json<ArtifactInfo[]>("GET", `/api/runs/${run.id}/artifacts`)).body;
  assert.deepEqual(list.map((a) => a.name).sort(), ["report", "site"]);
  for (const a of list) assert.equal(a.runId, run.id);

  const report = await fetch(`${r.url}/api/runs/${run.id}/artifacts/report`);
  assert.equal(report.status, 200);
  assert.equal(await report.text(), "report\n");

  const site = await fetch(`${r.url}/api/runs/${run.id}/artifacts/site`);
  assert.equal(site.headers.get("content-type"), "application/zip");
  const dir = tempDir("stax-art-");
  writeFileSync(join(dir, "site.zip"), Buffer.from(await site.arrayBuffer()));
  const names = execFileSync(
    "python3",
    [
      "-c",
      "import sys,zipfile; print('\\n'.join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))",
      join(dir, "site.zip"),
    ],
    { encoding: "utf8" },
  );
  assert.deepEqual(names.trim().split("\n"), ["index.html", "sub/a.txt"]);

  const cliList = await stax(["artifacts", run.id]);
  assert.match(cliList.out, /^report {2}7 bytes/m);
  const out = join(dir, "cli");
  const dl = await stax(["artifacts", run.id, "report", "-o", out]);
  assert.equal(dl.code, 0, dl.err);
  assert.equal(readFileSync(join(out, readdirSync(out)[0]), "utf8"), "report\n");
  const bad = await stax(["artifacts", run.id, "nope", "-o", out]);
  assert.notEqual(bad.code, 0);
});

test("stax secret set (from stdin), list, import and rm; values never printed", async () => {
  const set = await stax(["secret", "set", "CLI_SECRET"], "s3cr3t-value-42\n");
  assert.equal(set.code, 0, set.err);
  const dir = tempDir("stax-env-");
  writeFileSync(join(dir, "x.env"), 'IMPORTED_ONE=abc-123-xyz\n# comment\nIMPORTED_TWO="two\\nlines"\n');
  const imp = await stax(["secret", "import", join(dir, "x.env")]);
  assert.equal(imp.code, 0, imp.err);
  const list = await stax(["secret", "list", "--json"]);
  const names = (JSON.parse(list.out) as { name: string }[]).map((s) => s.name);
  for (const n of ["CLI_SECRET", "IMPORTED_ONE", "IMPORTED_TWO"]) assert.ok(names.includes(n), names.join());
  assert.doesNotMatch(list.out + set.out + imp.out, /s3cr3t|abc-123/);
  const rm = await stax(["secret", "rm", "CLI_SECRET"]);
  assert.equal(rm.code, 0, rm.err);
  const again = await stax(["secret", "list"]);
  assert.doesNotMatch(again.out, /CLI_SECRET/);
  const bad = await stax(["secret", "set", "../evil"], "x");
  assert.equal(bad.code, 2);
});
