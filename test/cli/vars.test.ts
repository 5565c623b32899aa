import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { WorkflowRun } from "../../src/contract/index.js";
import { FixtureRepo } from "../helpers/git-repo.js";
import { startTestRunner } from "../helpers/runner.js";

const WORKFLOW =
  'name: v\non: push\njobs:\n  show:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "A=${{ vars.A }} B=${{ vars.B }} C=${{ vars.C }}"\n';

test("CTX-08: stax var set/list/rm keep repository variables in the store; --var and --var-file go over them", () => {
  const r = new FixtureRepo({ ".github/workflows/v.yml": WORKFLOW });
  assert.equal(r.stax(["var", "set", "A", "stored-a"]).code, 0);
  assert.equal(r.stax(["var", "set", "B", "stored-b"]).code, 0);
  assert.equal(r.stax(["var", "list"]).stdout, "A=stored-a\nB=stored-b\n");
  writeFileSync(join(r.home, "vars.env"), "C=file-c\nB=file-b\n");
  const out = r.stax(["run", "v", "--var", "B=run-b", "--var-file", join(r.home, "vars.env")]);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /\] +A=stored-a B=run-b C=file-c$/m);
  assert.equal(r.stax(["var", "rm", "A"]).code, 0);
  assert.deepEqual(
    JSON.parse(r.stax(["var", "list", "--json"]).stdout).map((v: { name: string }) => v.name),
    ["B"],
  );
  const again = r.stax(["var", "rm", "A"]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /no variable 'A'/);
  const bad = r.stax(["var", "set", "GITHUB_TOKEN", "x"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a valid variable name/);
  assert.match(r.stax(["run", "v"]).stdout, /\] +A= B=stored-b C=$/m);
});

test("/api/vars lists, sets and deletes variables; runs through the runner get them under the run's --var", async () => {
  const r = new FixtureRepo({ ".github/workflows/v.yml": WORKFLOW });
  const runner = await startTestRunner({ workspace: r.dir });
  try {
    assert.deepEqual((await runner.json("PUT", "/api/vars/A", { value: "api-a" })).body, { name: "A", value: "api-a" });
    assert.equal((await runner.json("PUT", "/api/vars/B", { value: "api-b" })).status, 200);
    const list = await runner.json<{ name: string; value: string; updatedAt: string }[]>("GET", "/api/vars");
    assert.deepEqual(
      list.body.map((v) => `${v.name}=${v.value}`),
      ["A=api-a", "B=api-b"],
    );
    assert.ok(!Number.isNaN(Date.parse(list.body[0].updatedAt)));
    const bad = await runner.json<{ error: { code: string } }>("PUT", "/api/vars/1X", { value: "v" });
    assert.deepEqual([bad.status, bad.body.error.code], [400, "INVALID_NAME"]);
    const noValue = await runner.json<{ error: { code: string } }>("PUT", "/api/vars/A", { nope: 1 });
    assert.deepEqual([noValue.status, noValue.body.error.code], [400, "BAD_REQUEST"]);
    const env = { RUNNER_URL: runner.url };
    const out = await r.staxAsync(["run", "v", "--var", "B=run-b"], env);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /\] +A=api-a B=run-b C=$/m);
    assert.equal((await r.staxAsync(["var", "set", "C", "cli-c"], env)).code, 0);
    assert.match((await r.staxAsync(["var", "list"], env)).stdout, /C=cli-c/);
    const run = await runner.runToEnd("v", { vars: { A: "body-a" } });
    assert.equal(run.conclusion, "success");
    const log = (await runner.json<string>("GET", `/api/runs/${run.id}/logs`)).body;
    assert.match(log, /A=body-a B=api-b C=cli-c/);
    // A re-run keeps the run's own vars and reads the stored ones again.
    await runner.json("PUT", "/api/vars/B", { value: "api-b2" });
    const again = await runner.json<WorkflowRun>("POST", `/api/runs/${run.id}/rerun`, {});
    assert.equal(again.status, 201);
    await runner.waitCompleted(again.body.id);
    assert.match(
      (await runner.json<string>("GET", `/api/runs/${again.body.id}/logs`)).body,
      /A=body-a B=api-b2 C=cli-c/,
    );
    const bogus = await runner.json<{ error: { code: string; message: string } }>("POST", "/api/runs", {
      workflow: "v",
      event: "bogus_event",
    });
    assert.equal(bogus.status, 400);
    assert.match(bogus.body.error.message, /unknown event 'bogus_event'; events: .*push/);
    assert.equal((await runner.json("DELETE", "/api/vars/C")).status, 200);
    const gone = await runner.json<{ error: { code: string } }>("DELETE", "/api/vars/C");
    assert.deepEqual([gone.status, gone.body.error.code], [404, "VAR_NOT_FOUND"]);
  } finally {
    await runner.close();
  }
});
