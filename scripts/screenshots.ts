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
  const created = await r.json<WorkflowRun>("POST", "/api/runs", { workflow: "greet", inputs: { greeting: "Ada", loud: "true", level: "high", count: "8" }, sandbox: { strategy: "none" } });
  if (created.status !== 201) throw new Error(`POST /api/runs: ${created.status} ${JSON.stringify(created.body)}`);
  const done = await r.waitCompleted(created.body.id, 60_000);
  if (done.conclusion !== "success") throw new Error(`the greet run ended ${done.conclusion}`);
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(`${r.url}/runs/${created.body.id}/jobs/hello`);
  // A finished job shows its steps folded: unfold the first, as a user would.
  await page.getByText("Say hello", { exact: true }).click();
  await page.getByText("hello Ada 3").waitFor({ timeout: 20_000 });
  mkdirSync(DOCS_IMG, { recursive: true });
  await page.screenshot({ path: join(DOCS_IMG, "job-log.png") });
  await page.getByRole("link", { name: "Summary" }).click();
  await page.getByRole("group", { name: "job graph" }).waitFor();
  await page.getByRole("heading", { name: "Greeting" }).waitFor();
  await page.screenshot({ path: join(DOCS_IMG, "run-detail.png") });
  console.log(`screenshots: wrote ${join("docs", "img", "job-log.png")} and ${join("docs", "img", "run-detail.png")}`);
} finally {
  await browser.close();
  await r.close();
  rmSync(tmp, { recursive: true, force: true });
}
