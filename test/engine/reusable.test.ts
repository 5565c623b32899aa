import assert from "node:assert/strict";
import { test } from "node:test";
import { conclusions, runFixture } from "../helpers/engine.js";

test("RW-02..07 a local reusable workflow: typed inputs, secrets, inherit, outputs, caller / callee jobs", async () => {
  const r = await runFixture("reusable", "caller.yml", { secrets: { TOKEN: "tok-123" } });
  assert.deepEqual(
    conclusions(r.run),
    {
      prepare: "success",
      "call / work": "success",
      "call-inherit / work": "success",
      "use-output": "success",
    },
    r.log,
  );
  assert.equal(r.job("call / work").name, "call / work");
  assert.match(r.jobLog("call / work"), /token is \*\*\*\n/, "RW-03 the secret is passed and masked");
  assert.ok(!r.log.includes("tok-123"));
});
