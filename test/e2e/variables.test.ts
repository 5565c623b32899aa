/**
 * The Variables page end to end: real Chromium against a real runner. A variable added in the
 * page reaches the API and the `vars` context of a run; editing and deleting go through the page.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import type { VarInfo, WorkflowRun } from "../../src/contract/index.js";
import { launchBrowser, WEB_DIST } from "../helpers/browser.js";
import { FixtureRepo } from "../helpers/git-repo.js";
import { startTestRunner, type TestRunner } from "../helpers/runner.js";

let r: TestRunner;
let browser: Browser;

before(async () => {
  const repo = new FixtureRepo({
    ".github/workflows/v.yml":
      'name: v\non: push\njobs:\n  show:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "REGION=${{ vars.REGION }}"\n',
  });
  r = await startTestRunner({ workspace: repo.dir, webRoot: WEB_DIST });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await r?.close();
});

test("add, edit and delete a variable on the Variables page; a run sees its value in vars", async () => {
  const page = await browser.newPage();
  await page.goto(`${r.url}/`);
  await page.getByRole("navigation", { name: "main" }).getByRole("link", { name: "Variables" }).click();
  await page.getByText("No variables yet.").waitFor();
  await page.getByLabel("Name").fill("REGION");
  await page.getByLabel("Value").fill("eu-west");
  await page.getByRole("button", { name: "Save variable" }).click();
  const list = page.getByRole("list", { name: "variables" });
  await list.getByText("eu-west").waitFor();
  assert.deepEqual(
    (await r.json<VarInfo[]>("GET", "/api/vars")).body.map((v) => [v.name, v.value]),
    [["REGION", "eu-west"]],
  );

  await page.getByRole("button", { name: "edit REGION" }).click();
  assert.equal(await page.getByLabel("Value").inputValue(), "eu-west");
  await page.getByLabel("Value").fill("us-east");
  await page.getByRole("button", { name: "Save variable" }).click();
  await list.getByText("us-east").waitFor();
  const run: WorkflowRun = await r.runToEnd("v");
  assert.match((await r.json<string>("GET", `/api/runs/${run.id}/logs`)).body, /REGION=us-east/);

  await page.getByRole("button", { name: "delete REGION" }).click();
  // Delete asks first (issue 25): nothing is gone until the confirmation.
  await page.getByRole("button", { name: "yes, delete REGION" }).click();
  await page.getByText("No variables yet.").waitFor();
  assert.deepEqual((await r.json<VarInfo[]>("GET", "/api/vars")).body, []);
  await page.close();
});
