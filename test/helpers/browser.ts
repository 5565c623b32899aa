/**
 * Real Chromium (Debian's `chromium`, installed by .ci/run) driven by playwright-core, against a
 * real runner serving the built dashboard (web/dist, made by `npm run build`).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { after, before } from "node:test";
import { chromium, type Browser } from "playwright-core";
import { startTestRunner, type TestRunner } from "./runner.js";
import { fixtureCopy } from "./temp.js";

export const WEB_DIST = resolve(import.meta.dirname, "..", "..", "web", "dist");

function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return fromEnv;
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    try {
      return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
    } catch {
      // try the next name
    }
  }
  throw new Error("no Chromium found: install it (apt-get install -y chromium) or set CHROMIUM_PATH");
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(resolve(WEB_DIST, "index.html"))) throw new Error("web/dist is missing: run `npm run build` first");
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * For one test file: a runner on a copy of the `dashboard` fixture serving the built dashboard,
 * and a Chromium; both closed after the file. `runner` may be replaced (a runner stopped and
 * started again): the one there at the end is closed.
 */
export function dashboardSession(): { runner: TestRunner; browser: Browser } {
  const session = {} as { runner: TestRunner; browser: Browser };
  before(async () => {
    session.runner = await startTestRunner({ workspace: fixtureCopy("dashboard"), webRoot: WEB_DIST });
    session.browser = await launchBrowser();
  });
  after(async () => {
    await session.browser?.close();
    await session.runner?.close();
  });
  return session;
}
