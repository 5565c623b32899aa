import assert from "node:assert/strict";
import { test } from "node:test";
import { conclusions, runFixture } from "../helpers/engine.js";

test("MAT-01..04/11 cross product, exclude, include extras and new legs, leg ids and names", async () => {
  const r = await runFixture("matrix", "matrix.yml");
  assert.equal(r.run.conclusion, "success", r.log);
  const cross = r.run.jobs.filter((j) => j.id.startsWith("cross")).map((j) => j.id);
  assert.deepEqual(cross, ["cross (linux, 18)", "cross (linux, 20)", "cross (mac, 20)", "cross (windows, 22)"]);
  assert.match(
    r.jobLog("cross (linux, 18)"),
    /leg linux-18 exp=true index=0\/4\n/,
    "MAT-03 include extra merged into matching legs",
  );
  assert.match(r.jobLog("cross (mac, 20)"), /leg mac-20 exp= index=2\/4\n/);
  assert.match(
    r.jobLog("cross (windows, 22)"),
    /leg windows-22 exp= index=3\/4\n/,
    "MAT-04 unmatched include appended",
  );
  assert.equal(r.job("named (x)").name, "Build x", "MAT-11 a name using the matrix gets no suffix");
  assert.equal(r.job("static-name (1)").name, "Static (1)", "MAT-11 a static name gets the values");
});

test("MAT-12 a matrix from needs outputs, evaluated when the job is ready; JOB-10 outputs of legs merge", async () => {
  const r = await runFixture("matrix", "matrix.yml", { jobs: ["dynamic"] });
  assert.deepEqual(conclusions(r.run), {
    prepare: "success",
    "dynamic (a)": "success",
    "dynamic (b)": "success",
    "dynamic (c)": "success",
  });
  assert.deepEqual(r.job("dynamic (c)").matrix, { pkg: "c" });
  assert.deepEqual(r.job("dynamic (c)").outputs, { last: "c" });
});

test("MAT-09 fail-fast cancels the other legs; fail-fast false lets them finish", async () => {
  const r = await runFixture("matrix", "failfast.yml", { killGraceSeconds: [0.2, 0.2] });
  assert.equal(r.job("legs (1)").conclusion, "failure");
  assert.equal(r.job("legs (2)").conclusion, "cancelled");
  assert.equal(r.job("legs (3)").conclusion, "cancelled");
  assert.equal(r.job("tolerant (1)").conclusion, "failure");
  assert.equal(r.job("tolerant (2)").conclusion, "success");
  assert.equal(r.run.conclusion, "failure");
});

test("MAT-12 expressions inside the matrix: an expression key is evaluated, an array-valued sequence item is spliced, ${{ insert }} merges its mapping", async () => {
  const r = await runFixture("matrix", "expressions.yml");
  assert.equal(r.run.conclusion, "success", r.log);
  const legs = r.run.jobs.filter((j) => j.id.startsWith("use")).map((j) => j.id);
  assert.deepEqual(legs, [
    "use (sweet, linux, 1)",
    "use (sweet, bsd, 1)",
    "use (sour, linux, 1)",
    "use (sour, bsd, 1)",
  ]);
  assert.deepEqual(r.job("use (sour, bsd, 1)").matrix, { flavor: "sour", os: "bsd", level: 1 });
  assert.match(r.jobLog("use (sweet, bsd, 1)"), /leg sweet-bsd-1\n/);
  assert.equal(r.job("env-insert").conclusion, "success", "${{ insert }} works in env too");
});
