/**
 * Logs of any size in the dashboard (issue 14), in headless Chromium against a real runner: the
 * first row of a finished 1,000,000-line step against a 10-line one, a jump to line 900,000 by
 * its link, a search for a line that occurs once, and the page's JS heap after scrolling to the
 * end. Targets not met are printed as such.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import type { WorkflowRun } from "../src/contract/index.js";
import { launchBrowser, WEB_DIST } from "../test/helpers/browser.js";
import { FIXTURES } from "../test/helpers/engine.js";
import { startTestRunner } from "../test/helpers/runner.js";

type Row = { name: string; value: string };
const BIG = 1_000_000;
const ROUNDS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${Math.round(x)} ms`;
const verdict = (ok: boolean) => (ok ? "met" : "NOT met");

/** Milliseconds from navigation to the first row of the line link's step painted with its text. */
async function firstRow(page: Page, url: string, line: string): Promise<number> {
  await page.goto("about:blank");
  const t0 = Date.now();
  await page.goto(url);
  await page.locator(`#${line} .text`).filter({ hasText: /\S/ }).waitFor({ timeout: 60_000 });
  return Date.now() - t0;
}

export async function benchLogs(): Promise<Row[]> {
  const r = await startTestRunner({ workspace: join(FIXTURES, "logs"), webRoot: WEB_DIST });
  const browser = await launchBrowser();
  try {
    const small = await r.runToEnd("logs", { inputs: { lines: 10 } });
    const t = Date.now();
    const big: WorkflowRun = await r.runToEnd("logs", { inputs: { lines: BIG } });
    const runSeconds = (Date.now() - t) / 1000;
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const at = (run: WorkflowRun, hash: string) => `${r.url}/runs/${run.id}/jobs/print#${hash}`;

    const smallFirst: number[] = [];
    const bigFirst: number[] = [];
    const jump: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      smallFirst.push(await firstRow(page, at(small, "step2-L1"), "step2-L1"));
      bigFirst.push(await firstRow(page, at(big, "step2-L1"), "step2-L1"));
      jump.push(await firstRow(page, at(big, "step2-L900000"), "step2-L900000"));
    }
    const base = median(smallFirst);
    const ratio = median(bigFirst) / base;
    const jumpRatio = median(jump) / base;

    // Search: typed on the open 1M-line log, until the match is on screen.
    const searches: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      await page.goto("about:blank");
      await page.goto(at(big, "step2-L1"));
      await page.locator("#step2-L1").waitFor();
      const t0 = Date.now();
      await page.getByLabel("search log").fill("needle in the");
      await page.locator(".line.match", { hasText: "Needle In The Haystack" }).waitFor({ timeout: 60_000 });
      searches.push(Date.now() - t0);
    }

    // Heap: open the step, scroll through it to its end in 100 jumps, each painted, then collect garbage.
    await page.goto("about:blank");
    await page.goto(at(big, "step2-L1"));
    await page.locator("#step2-L1").waitFor();
    await page.evaluate(async () => {
      const box = document.querySelector(".log-box") as HTMLElement;
      for (let i = 1; i <= 100; i++) {
        box.scrollTop = (box.scrollHeight * i) / 100;
        box.dispatchEvent(new Event("scroll"));
        await new Promise((res) => setTimeout(res, 30));
      }
    });
    await page.getByText("last row", { exact: true }).waitFor({ timeout: 60_000 });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    await cdp.send("HeapProfiler.collectGarbage");
    const { metrics } = await cdp.send("Performance.getMetrics");
    const heap = (metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? 0) / 1024 / 1024;

    return [
      { name: "1M-line step printed and stored (setup)", value: `${runSeconds.toFixed(1)} s` },
      { name: "first log row, finished 10-line step", value: `median ${ms(base)} (${smallFirst.map(ms).join(", ")})` },
      {
        name: "first log row, finished 1M-line step",
        value: `median ${ms(median(bigFirst))}, ratio ${ratio.toFixed(2)}× (target ≤ 1.5×: ${verdict(ratio <= 1.5)})`,
      },
      {
        name: "line link to line 900,000",
        value: `median ${ms(median(jump))}, ${jumpRatio.toFixed(2)}× the 10-line first row (target ≤ 2×: ${verdict(jumpRatio <= 2)})`,
      },
      {
        name: "search, one match in 1M lines",
        value: `median ${ms(median(searches))} (target ≤ 1000 ms: ${verdict(median(searches) <= 1000)})`,
      },
      {
        name: "page JS heap after scrolling to the end",
        value: `${heap.toFixed(1)} MB (target ≤ 100 MB: ${verdict(heap <= 100)})`,
      },
    ];
  } finally {
    await browser.close();
    await r.close();
  }
}
