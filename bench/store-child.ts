/**
 * One round of the store benchmark (bench/store.ts), on the embedded store of the checkout given
 * as the first argument: this one, or another (main's, for before/after) imported through the
 * same public API. Prints one JSON line. `crash-writer` is the process the crash round kills.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [root, mode = "all", dirArg] = process.argv.slice(2);
const { openStore, recoverInterrupted } = (await import(
  pathToFileURL(join(root, "src", "store", "index.ts")).href
)) as typeof import("../src/store/index.js");
const { makeEvent } = (await import(
  pathToFileURL(join(root, "src", "contract", "index.ts")).href
)) as typeof import("../src/contract/index.js");
type Store = ReturnType<typeof openStore>;

const line = (runId: string, i: number, stepNumber = 1) =>
  makeEvent("step.log", {
    runId,
    jobId: "build",
    stepNumber,
    line: `line ${i} of a build step, about as long as a compiler's output line\n`,
  });
const tick = () => new Promise((r) => setImmediate(r));

/** Single-event appends (a step printing slowly: one transaction per line) and batches of 1,000 lines. */
async function append(dir: string): Promise<{ singleUs: number; batchedLinesPerS: number }> {
  const s = openStore(dir);
  try {
    const n = 5000;
    let t0 = performance.now();
    for (let i = 0; i < n; i++) await s.events.append([line("single", i)]);
    const singleUs = ((performance.now() - t0) * 1000) / n;
    const total = 300_000;
    t0 = performance.now();
    for (let i = 0; i < total; i += 1000)
      await s.events.append(Array.from({ length: 1000 }, (_, j) => line("batched", i + j)));
    return { singleUs, batchedLinesPerS: total / ((performance.now() - t0) / 1000) };
  } finally {
    await s.close();
  }
}

/** A writer and 10 other connections to the file, each following it (as runners on one store do) until it has every line. */
async function subscribers(dir: string): Promise<{ linesPerS: number }> {
  const writer = openStore(dir);
  const readers: Store[] = Array.from({ length: 10 }, () => openStore(dir));
  const total = 100_000;
  const seen = readers.map(() => 0);
  const all = Promise.all(
    readers.map(
      (r, k) =>
        new Promise<void>((resolve) => {
          r.events.onCommit((batch) => {
            seen[k] += batch.length;
            if (seen[k] >= total) resolve();
          });
          r.follow(5);
        }),
    ),
  );
  const t0 = performance.now();
  for (let i = 0; i < total; i += 500) {
    await writer.events.append(Array.from({ length: 500 }, (_, j) => line("fanout", i + j)));
    await tick();
  }
  // The readers' polls do not keep a process alive (the runner's server does): this timer does, meanwhile.
  const keep = setInterval(() => {}, 1000);
  await all;
  clearInterval(keep);
  const linesPerS = total / ((performance.now() - t0) / 1000);
  await Promise.all([writer, ...readers].map((s) => s.close()));
  return { linesPerS };
}

/** Runs in progress with 300,000 lines written, then the writer is killed: the time to open the store and recover it. */
async function crash(dir: string): Promise<{ recoverMs: number }> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], root, "crash-writer", dir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
    child.on("exit", (code) => reject(new Error(`crash writer exited ${code}`)));
  });
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  const t0 = performance.now();
  const s = openStore(dir);
  const events = await recoverInterrupted(s, new Date());
  await s.close();
  if (!events.length) throw new Error("nothing was recovered");
  return { recoverMs: performance.now() - t0 };
}

async function crashWriter(dir: string): Promise<void> {
  const s = openStore(dir);
  const now = new Date().toISOString();
  for (let r = 0; r < 20; r++) {
    const id = `crash${r}`;
    const steps = [1, 2, 3].map((number) => ({
      number,
      name: `step ${number}`,
      status: number === 1 ? "completed" : number === 2 ? "in_progress" : "queued",
      conclusion: number === 1 ? "success" : null,
    }));
    const jobs = ["build", "test"].map((jid) => ({
      id: jid,
      name: jid,
      status: "in_progress",
      conclusion: null,
      steps: structuredClone(steps),
    }));
    await s.runs.save({
      id,
      number: r + 1,
      workflow: "ci",
      workflowFile: "ci.yml",
      status: "in_progress",
      conclusion: null,
      jobs,
      createdAt: now,
      trigger: { event: "push", ref: "", sha: "" },
      inputs: {},
    } as never);
    for (let i = 0; i < 15_000; i += 1000)
      await s.events.append(Array.from({ length: 1000 }, (_, j) => line(id, i + j, 2)));
  }
  process.stdout.write("ready\n");
  await new Promise(() => {});
}

/** The runner's own benchmark of that checkout (its bench/runner.ts): 1M lines of a step to 10 SSE subscribers. */
async function runnerFanOut(): Promise<void> {
  const bench = (await import(pathToFileURL(join(root, "bench", "runner.ts")).href)) as typeof import("./runner.js");
  const ws = bench.workspace();
  const home = mkdtempSync(join(tmpdir(), "stax-bench-home-"));
  const r = await bench.Runner.start(ws, home);
  try {
    const m = await bench.millionLines(r, 10);
    process.stdout.write(
      `${JSON.stringify({ node: process.versions.node, runnerLinesPerS: m.rate, runnerCpu: m.runnerCpu, lost: m.lost })}\n`,
    );
  } finally {
    await r.stop();
    for (const d of [ws, home]) rmSync(d, { recursive: true, force: true });
  }
  process.exit(0);
}

const fresh = () => mkdtempSync(join(tmpdir(), "stax-bench-store-"));
if (mode === "crash-writer") await crashWriter(dirArg);
else if (mode === "runner") await runnerFanOut();
else if (mode === "fanout") {
  const dir = fresh();
  process.stdout.write(`${JSON.stringify({ node: process.versions.node, ...(await subscribers(dir)) })}\n`);
  rmSync(dir, { recursive: true, force: true });
} else {
  const dirs = [fresh(), fresh(), fresh()];
  try {
    const out = {
      node: process.versions.node,
      ...(await append(dirs[0])),
      ...(await subscribers(dirs[1])),
      ...(await crash(dirs[2])),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
