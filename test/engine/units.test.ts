import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDotenv } from "../../src/config/dotenv.js";
import { parseCommand } from "../../src/engine/io/commands.js";
import { parseEnvFile } from "../../src/engine/io/envfile.js";
import { Masker } from "../../src/engine/io/mask.js";
import { expandMatrix, legName, looseEquals } from "../../src/engine/plan/matrix.js";
import { resolveShell, splitCommandLine } from "../../src/engine/steps/shell.js";
import { parseUses } from "../../src/engine/actions/uses.js";
import { rerunPlan } from "../../src/engine/plan/select.js";
import type { Job, JobConclusion, WorkflowRun } from "../../src/contract/index.js";

test("CMD-01/02 command lines: both syntaxes, case-insensitive names, unescaping", () => {
  assert.deepEqual(parseCommand("  ::Warning file=a%3Ab.js,line=3::50%25 done%0Anext"), {
    name: "warning",
    props: { file: "a:b.js", line: "3" },
    data: "50% done\nnext",
  });
  assert.deepEqual(parseCommand("##[set-output name=x;other=y]value"), {
    name: "set-output",
    props: { name: "x", other: "y" },
    data: "value",
  });
  assert.deepEqual(parseCommand("::endgroup::"), { name: "endgroup", props: {}, data: "" });
  assert.equal(parseCommand("echo ::not a command"), undefined);
  assert.equal(parseCommand(":: ::"), undefined);
});

test("FILE-03 env files: first of = and << wins, heredocs join with LF, errors name the problem", () => {
  assert.deepEqual(parseEnvFile("A=1=2\n\nB<<EOF\nx\ny\nEOF\nC<<X=Y\nz\nX=Y\n"), {
    ok: true,
    value: [
      ["A", "1=2"],
      ["B", "x\ny"],
      ["C", "z"],
    ],
  });
  assert.deepEqual(parseEnvFile("K=with cr\r\n"), { ok: true, value: [["K", "with cr\r"]] });
  assert.deepEqual(parseEnvFile("K<<EOF\nnever closed\n"), {
    ok: false,
    error: { message: "Matching delimiter not found 'EOF'", line: 1 },
  });
  assert.equal(parseEnvFile("=value\n").ok, false);
  assert.equal(parseEnvFile("K<<\n").ok, false);
  assert.equal(parseEnvFile("just words\n").ok, false);
});

test("MASK-01/02 masking: trimmed values, each line of a multi-line secret, base64 form, longest first", () => {
  const m = new Masker();
  assert.equal(m.mask("nothing registered"), "nothing registered");
  m.add("  abc  ");
  m.add("abcdef");
  m.add("line-one\nline-two");
  assert.equal(m.mask("abcdef and abc"), "*** and ***");
  assert.equal(m.mask("x line-two y"), "x *** y");
  assert.equal(m.mask(Buffer.from("abcdef").toString("base64")), "***");
  const c = m.clone();
  c.add("only-in-clone");
  assert.equal(m.mask("only-in-clone"), "only-in-clone");
  assert.equal(c.mask("only-in-clone abc"), "*** ***");
});

test("EXPR-06/MAT-05 loose equality", () => {
  assert.ok(
    looseEquals(null, 0) && looseEquals("", 0) && looseEquals(null, "") && looseEquals(true, 1) && looseEquals("1", 1),
  );
  assert.ok(looseEquals("Ubuntu", "ubuntu") && looseEquals(" 0x10 ", 16));
  assert.ok(!looseEquals("true", true) && !looseEquals(NaN, NaN) && !looseEquals({}, {}));
});

test("MAT-01 row-major cross product; MAT-02 exclude partial match; MAT-03/04 include", () => {
  const r = expandMatrix({
    os: ["a", "b"],
    v: [1, 2],
    exclude: [{ os: "B", v: "1" }],
    include: [
      { os: "a", extra: "x" },
      { os: "a", extra: "y" },
      { v: 9, other: true },
    ],
  });
  assert.ok(r.ok);
  assert.deepEqual(
    r.value.map((l) => l.values),
    [
      { os: "a", v: 1, extra: "y" },
      { os: "a", v: 2, extra: "y" },
      { os: "b", v: 2 },
      { v: 9, other: true },
    ],
  );
  assert.deepEqual(
    r.value.map((l) => l.nameParts),
    [
      ["a", "1"],
      ["a", "2"],
      ["b", "2"],
      ["9", "true"],
    ],
  );
});

test("MAT-03 include never overwrites original values (an entry that would becomes a new leg, MAT-04); later extras overwrite earlier ones; MAT-01/07 errors", () => {
  const r = expandMatrix({
    os: ["a", "b"],
    v: [1],
    include: [{ extra: 1 }, { os: "a", extra: 2 }, { os: "a", v: 2, extra: 3 }, { v: 1, os: "B", extra: 4 }],
  });
  assert.ok(r.ok);
  // { os: a, v: 2 } would overwrite the original v = 1 of the leg os = a: it matches no leg and is added;
  // { v: 1, os: "B" } only filters (MAT-05 loose ==) and adds an extra to the leg os = b.
  assert.deepEqual(
    r.value.map((l) => l.values),
    [
      { os: "a", v: 1, extra: 2 },
      { os: "b", v: 1, extra: 4 },
      { os: "a", v: 2, extra: 3 },
    ],
  );
  assert.deepEqual(expandMatrix({ os: [] }), { ok: false, error: "matrix vector 'os' must be a non-empty list" });
  const big = expandMatrix({ a: Array.from({ length: 17 }, (_, i) => i), b: Array.from({ length: 16 }, (_, i) => i) });
  assert.equal(big.ok, false);
  assert.deepEqual(expandMatrix(null), { ok: true, value: [] });
});

test("MAT-11 leg names are cut to 100 characters", () => {
  assert.equal(legName("test", ["ubuntu", "20"]), "test (ubuntu, 20)");
  assert.equal(legName("t", ["x".repeat(200)]).length, 100);
  assert.ok(legName("t", ["x".repeat(200)]).endsWith("..."));
});

test("dotenv files: quotes, escapes, comments, export, errors with lines", () => {
  const { values, errors } = parseDotenv(
    '# c\nexport A=1\nB="foo\\nbar"\nC=\'lit\\n\'\nD={"foo": "bar"}\nE=val # comment\nF="multi\nline"\n9X=bad\n',
  );
  assert.deepEqual(values, { A: "1", B: "foo\nbar", C: "lit\\n", D: '{"foo": "bar"}', E: "val", F: "multi\nline" });
  assert.deepEqual(errors, [{ line: 9, message: "invalid name '9X'" }]);
  // godotenv's YAML-like lines, as act reads a .env; the first `=` or `:` separates.
  const yamlish = parseDotenv("URL=http://host:1/x\nNAME: 'quoted value'\nPLAIN:  a=b\nnothing here\n");
  assert.deepEqual(yamlish.values, { URL: "http://host:1/x", NAME: "quoted value", PLAIN: "a=b" });
  assert.deepEqual(yamlish.errors, [{ line: 4, message: "expected KEY=value or KEY: value, got 'nothing here'" }]);
});

test("STEP-11/12 shell command lines", () => {
  const path = process.env.PATH;
  const bash = resolveShell("bash", path);
  assert.ok(
    bash.ok && bash.value.args.join(" ") === "--noprofile --norc -e -o pipefail {0}" && bash.value.ext === ".sh",
  );
  const def = resolveShell(undefined, path);
  assert.ok(def.ok && def.value.args.join(" ") === "-e {0}");
  const custom = resolveShell("bash -x {0}", path);
  assert.ok(custom.ok && custom.value.args.join(" ") === "-x {0}" && custom.value.ext === "");
  const invalid = resolveShell("bash -x", path);
  assert.match(invalid.ok ? "" : invalid.error, /Invalid shell option/);
  const missing = resolveShell("no-such-shell-here {0}", path);
  assert.match(missing.ok ? "" : missing.error, /not found/);
});

test("STEP-16 uses forms", () => {
  assert.deepEqual(parseUses("./local/x"), { ok: true, value: { kind: "local", path: "./local/x" } });
  assert.deepEqual(parseUses("docker://alpine:3"), { ok: true, value: { kind: "docker", image: "alpine:3" } });
  assert.deepEqual(parseUses("actions/cache/restore@v4"), {
    ok: true,
    value: { kind: "remote", owner: "actions", repo: "cache", path: "restore", ref: "v4", slug: "actions/cache" },
  });
  assert.equal(parseUses("actions/checkout").ok, false);
});

test("re-run of failed jobs chooses top-level jobs by each job's definitionId and callerId: a failed leg re-runs its matrix and every job needing it; the rest are reused", () => {
  const job = (id: string, definitionId: string, conclusion: JobConclusion, more: Partial<Job> = {}): Job => ({
    id,
    definitionId,
    name: id,
    status: "completed",
    conclusion,
    needs: [],
    steps: [],
    outputs: { o: id },
    ...more,
  });
  const run: WorkflowRun = {
    id: "r1",
    number: 7,
    workflow: "w",
    workflowFile: "w.yml",
    status: "completed",
    conclusion: "failure",
    createdAt: "",
    trigger: { event: "push", ref: "refs/heads/main", sha: "0" },
    inputs: {},
    jobs: [
      job("build (a, 1)", "build", "failure", { matrix: { a: 1 } }),
      job("build (a, 2)", "build", "success", { matrix: { a: 2 } }),
      job("lint", "lint", "success"),
      job("after", "after", "success", { needs: ["build"] }),
      job("call / inner", "call / inner", "failure", { callerId: "call" }),
      job("report", "report", "success", { needs: ["call"] }),
      job("docs", "docs", "success", { needs: ["lint"] }),
    ],
  };
  const plan = rerunPlan(run);
  assert.deepEqual(plan.rerun.sort(), ["after", "build", "call", "report"]);
  assert.deepEqual(Object.keys(plan.reuse.jobs).sort(), ["docs", "lint"]);
  assert.deepEqual(plan.reuse.jobs.lint, { result: "success", outputs: { o: "lint" } });
});

test("STEP-12 a custom shell's arguments and a Docker step's `with: args` split as the runner's process start splits them", () => {
  assert.deepEqual(splitCommandLine("-x {0}"), ["-x", "{0}"]);
  assert.deepEqual(splitCommandLine(`-command ". '{0}'"`), ["-command", ". '{0}'"]);
  assert.deepEqual(splitCommandLine(`  a   "b c"\td  `), ["a", "b c", "d"]);
  assert.deepEqual(splitCommandLine("'a b'"), ["'a", "b'"], "single quotes are text");
  assert.deepEqual(splitCommandLine(`"say ""hi"""`), [`say "hi"`]);
  assert.deepEqual(splitCommandLine(`a\\"b`), [`a"b`], "an odd run of backslashes escapes the quote");
  assert.deepEqual(splitCommandLine(`a\\\\"b c"`), [`a\\b c`], "an even run halves and the quote groups");
  assert.deepEqual(
    splitCommandLine(`x\\y ""`),
    [`x\\y`, ""],
    "backslashes elsewhere are text; empty quotes are an argument",
  );
});
