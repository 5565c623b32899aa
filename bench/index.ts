/**
 * `npm run bench`: every benchmark prints its result next to a baseline measured in the same
 * run, so the ratios hold on any machine. Benchmarks, not timed tests: nothing here fails CI.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { benchCi } from "./ci.js";
import { benchIsolation } from "./isolation.js";
import { benchStartup } from "./startup.js";
import { benchSteps } from "./steps.js";
import { benchStore } from "./store.js";

type Row = { name: string; value: string };

/**
 * Prints a section's rows, then lets the disk settle: a section that wrote many files (the
 * isolation one writes some 20,000) leaves the kernel writing them back, which slowed the next
 * section's file-creating steps by 2-3× (trigger → first step p50 12 ms alone, 33 ms after it).
 */
function table(title: string, rows: Row[]): void {
  spawnSync("sync");
  const w = Math.max(...rows.map((r) => r.name.length));
  console.log(`\n${title}`);
  for (const r of rows) console.log(`  ${r.name.padEnd(w)}  ${r.value}`);
}

table("Start-up CPU (issue 22)", await benchStartup());
table("Embedded store, before/after node:sqlite (issue 22)", await benchStore());
table("Per-step overhead (issues 2, 26)", await benchSteps());
table("Isolated checkout per job leg (issue 9)", await benchIsolation());
table("A whole CI run against its critical path (issue 26)", await benchCi());
if (existsSync(new URL("./runner.ts", import.meta.url))) {
  const { benchRunner } = (await import(new URL("./runner.ts", import.meta.url).href)) as {
    benchRunner: () => Promise<Row[]>;
  };
  table("Runner: latency, throughput, fan-out (issue 3)", await benchRunner());
}
{
  const { benchReplays } = await import("./replays.js");
  table("Replays are paced (issue 24)", await benchReplays());
}
if (process.env.STAX_BENCH_SKIP_LOGS !== "1") {
  const { benchLogs } = await import("./logs.js");
  table("Dashboard: logs of any size (issue 14)", await benchLogs());
}
if (process.env.STAX_BENCH_SKIP_FLEET !== "1") {
  const { benchFleet } = await import("./fleet.js");
  table("Many machines: PostgreSQL, workers (issue 12)", await benchFleet());
  // 32 worker processes and 2,000 subscribers: minutes on a 2-core machine (STAX_BENCH_SKIP_WIDE=1 leaves them out).
  if (process.env.STAX_BENCH_SKIP_WIDE !== "1") {
    const { benchFleetWide } = await import("./fleet-wide.js");
    const { benchSubscribers } = await import("./fleet-subscribers.js");
    table("Many machines at width: 32 workers, 2,000 subscribers (issue 26)", [
      ...(await benchFleetWide()),
      ...(await benchSubscribers()),
    ]);
  }
}
