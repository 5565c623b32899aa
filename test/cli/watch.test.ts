import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { FixtureRepo, STAX } from "../helpers/git-repo.js";

test("--watch runs again when a file of the workspace changes, not for .gitignored ones, and cancels a run still going first", async () => {
  const r = new FixtureRepo({
    ".github/workflows/w.yml":
      'on: push\njobs:\n  w:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "START $(cat a.txt)"; sleep "$(cat delay.txt)"; echo "END $(cat a.txt)"\n',
    "a.txt": "one",
    "delay.txt": "0",
    ".gitignore": "ignored/\n",
  });
  const child = spawn(process.execPath, [STAX, "run", "w", "--watch"], {
    cwd: r.dir,
    env: { ...process.env, STAX_WORKSPACE: "", STAX_HOME: r.home, NO_COLOR: "1", RUNNER_URL: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = async (re: RegExp, ms = 20_000): Promise<void> => {
    for (const end = Date.now() + ms; Date.now() < end;) {
      if (re.test(out)) return;
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.fail(`timed out waiting for ${re}; output:\n${out}`);
  };
  const starts = () => out.match(/\] +START/g)?.length ?? 0;
  try {
    await waitFor(/END one[\s\S]*watching/);
    r.write({ "ignored/x.txt": "noise" });
    // Kept on purpose: a window in which an ignored file must start nothing (no event says "nothing").
    await new Promise((res) => setTimeout(res, 1500));
    assert.equal(starts(), 1, out);
    r.write({ "a.txt": "two" });
    await waitFor(/END two/);
    // A new folder is seen, and once it is there, files in it too.
    r.write({ "newdir/b.txt": "b" });
    await waitFor(/(END two[\s\S]*){2}/);
    r.write({ "newdir/c.txt": "c" });
    await waitFor(/(END two[\s\S]*){3}/);
    r.write({ "ignored/y.txt": "noise" });
    await new Promise((res) => setTimeout(res, 1500));
    assert.equal(starts(), 4, out);
    r.write({ "delay.txt": "30", "a.txt": "three" });
    await waitFor(/START three/);
    r.write({ "a.txt": "four" });
    await waitFor(/cancelling the run still going[\s\S]*START four/);
    assert.doesNotMatch(out, /END three/);
    assert.match(out, /Run \d+ \(\w+\) cancelled/);
    child.kill("SIGINT");
    assert.equal(await exited, 1);
    assert.doesNotMatch(out, /END four/);
  } finally {
    child.kill("SIGKILL");
  }
});
