/**
 * `npm run screenshots`: the README's pictures of the dashboard (docs/img/*.png), taken in real
 * Chromium against a real runner on the dashboard fixture. Separate from `npm test`, so a test
 * run never rewrites files of the repository.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { WorkflowRun } from "../src/contract/index.js";
import { launchBrowser, WEB_DIST } from "../test/helpers/browser.js";
import { FIXTURES } from "../test/helpers/engine.js";
import { startTestRunner } from "../test/helpers/runner.js";

const DOCS_IMG = resolve(import.meta.dirname, "..", "docs", "img");

const tmp = mkdtempSync(join(tmpdir(), "stax-screenshots-"));
const workspace = join(tmp, "demo");
cpSync(resolve(FIXTURES, "dashboard"), workspace, { recursive: true });
const git = (...args: string[]) => execFileSync("git", args, { cwd: workspace, stdio: "ignore" });
git("init", "-q", "-b", "main");
git("add", ".");
git("-c", "user.name=stax", "-c", "user.email=stax@example.invalid", "commit", "-q", "-m", "fixtures");

const r = await startTestRunner({ workspace, home: join(tmp, "home"), webRoot: WEB_DIST });
const browser = await launchBrowser();
try {
  const start = async (workflow: string, inputs: Record<string, string>, extra: Record<string, unknown> = {}) => {
    const created = await r.json<WorkflowRun>("POST", "/api/runs", {
      workflow,
      inputs,
      ...extra,
    });
    if (created.status !== 201) throw new Error(`POST /api/runs: ${created.status} ${JSON.stringify(created.body)}`);
    return r.waitCompleted(created.body.id, 60_000);
  };
  // Actors named here: the machine's git user is nobody's business in a README picture.
  const done = await start("greet", { greeting: "Ada", loud: "true", level: "high", count: "8" }, { actor: "ada" });
  if (done.conclusion !== "success") throw new Error(`the greet run ended ${done.conclusion}`);
  await start("flaky", {}, { actor: "grace" });
  const deploy = await start("deploy", { target: "web" }, { vars: { REGION: "eu-west" }, actor: "ada" });
  await start("deploy", { target: "api" }, { actor: "grace" });
  mkdirSync(DOCS_IMG, { recursive: true });
  const shot = async (name: string) => {
    await page.screenshot({ path: join(DOCS_IMG, name) });
    console.log(`screenshots: wrote ${join("docs", "img", name)}`);
  };
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(`${r.url}/runs/${done.id}/jobs/hello`);
  // A finished job shows its steps folded: unfold the first, as a user would.
  await page.getByText("Say hello", { exact: true }).click();
  await page.getByText("hello Ada 3").waitFor({ timeout: 20_000 });
  await shot("job-log.png");
  await page.goto(`${r.url}/runs/${deploy.id}`);
  await page.getByRole("region", { name: "annotations" }).waitFor();
  await page.getByRole("group", { name: "job graph" }).waitFor();
  await shot("run-detail.png");
  await page.goto(`${r.url}/`);
  await page.locator(`li[data-run="${deploy.number + 1}"]`).waitFor();
  await shot("runs-list.png");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${r.url}/runs/${deploy.id}`);
  await page.getByRole("region", { name: "annotations" }).waitFor();
  await shot("phone-run.png");
  await page.goto(`${r.url}/runs/${deploy.id}/jobs/${encodeURIComponent("test (2)")}`);
  await page.getByText("expected 2, got 3").waitFor({ timeout: 20_000 });
  await shot("phone-log.png");
} finally {
  await browser.close();
  await r.close();
  rmSync(tmp, { recursive: true, force: true });
}
