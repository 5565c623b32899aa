/**
 * The runner as users run it: the built `bin/stax runner start --foreground` in its own process,
 * measured from this one over real HTTP and SSE. Each figure comes with a baseline of the same run:
 *
 * - trigger → first `step.started`: POST /api/runs until the stream shows the run's first step,
 *   against the round trip of GET /health (the cost of any request to this runner);
 * - 1M log lines with 0, 1 and 10 subscribers (each a process of its own, each case on a fresh
 *   runner; 10 × `curl -N` too where there is curl): lines per second through the runner
 *   (engine, store, hub) against the same script's output piped straight to `wc -l`, with lost
 *   and persisted lines, overflows, the runner's peak memory (VmHWM) and its CPU time;
 * - 200 subscribers: the p99 delay from a line's print to its arrival, against 1 subscriber.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { loadConfig } from "../src/config/config.js";

type Row = { name: string; value: string };

const ROOT = join(import.meta.dirname, "..");
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x: number): string => `${x.toFixed(1)} ms`;
const sleep = (n: number) => new Promise((r) => setTimeout(r, n));
/** `p`, or an error naming `what` after `seconds` (a benchmark fails; it never hangs). */
const within = <T>(p: Promise<T>, seconds: number, what: string): Promise<T> =>
  Promise.race([
    p,
    new Promise<never>((_, fail) =>
      setTimeout(() => fail(new Error(`bench: ${what} took over ${seconds} s`)), seconds * 1000).unref(),
    ),
  ]);

// Prints N lines; with `stamp`, each line carries the time it was printed (for delivery delays).
export const PRINT = `const [n, stamp] = process.argv.slice(2);
const total = Number(n);
let i = 1;
const write = () => {
  while (i <= total) {
    let text = "";
    const end = Math.min(total, i + (stamp ? 0 : 999));
    for (; i <= end; i++) text += stamp ? "t=" + Date.now() + " " + i + "\\n" : "line " + i + "\\n";
    const more = process.stdout.write(text);
    if (stamp) return void setTimeout(write, 1);
    if (!more) return void process.stdout.once("drain", write);
  }
};
write();
`;

export function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), "stax-bench-runner-"));
  mkdirSync(join(ws, ".github/workflows"), { recursive: true });
  writeFileSync(join(ws, "print.cjs"), PRINT);
  const wf = (name: string, run: string) =>
    writeFileSync(
      join(ws, ".github/workflows", `${name}.yml`),
      `name: ${name}\non: workflow_dispatch\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ${run}\n`,
    );
  wf("one", "true");
  wf("million", "node print.cjs 1000000");
  wf("stamped", "node print.cjs 2000 stamp");
  return ws;
}

export class Runner {
  private constructor(
    readonly proc: ChildProcess,
    readonly url: string,
  ) {}

  static async start(ws: string, home: string): Promise<Runner> {
    // STAX_BENCH_RUNNER_NODE_ARGS profiles the runner alone, e.g. `--cpu-prof --cpu-prof-dir=DIR`.
    const nodeArgs = (process.env.STAX_BENCH_RUNNER_NODE_ARGS ?? "").split(" ").filter(Boolean);
    const env = { ...process.env, STAX_HOME: home, STAX_PORT: "0" };
    const state = join(loadConfig(env, { workspace: ws }).dataDir, "runner.json");
    const proc = spawn(
      process.execPath,
      [...nodeArgs, join(ROOT, "bin", "stax"), "runner", "start", "--foreground", "--port", "0", "--workspace", ws],
      { env, stdio: "ignore" },
    );
    process.once("exit", () => proc.kill());
    for (let i = 0; i < 200 && !existsSync(state); i++) await sleep(50);
    if (!existsSync(state)) throw new Error("the runner did not start; run npm run build first");
    return new Runner(proc, (JSON.parse(readFileSync(state, "utf8")) as { url: string }).url);
  }

  async post(workflow: string): Promise<string> {
    const res = await fetch(`${this.url}/api/runs`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ workflow }),
    });
    if (res.status !== 201) throw new Error(`POST /api/runs: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  }

  async waitFor(runId: string): Promise<void> {
    for (const t = Date.now(); Date.now() - t < 60_000; await sleep(50)) {
      if (((await (await fetch(`${this.url}/api/runs/${runId}`)).json()) as { status: string }).status === "completed")
        return;
    }
    throw new Error(`bench: run ${runId} did not complete`);
  }

  peakRssMiB(): number {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.proc.pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((ok) => this.proc.once("exit", ok));
    this.proc.kill("SIGTERM");
    await Promise.race([exited, sleep(3000)]);
  }
}

/** A raw SSE subscriber: calls `onFrame(event, data)` per frame, parsing only what it is asked to. */
function subscribe(url: string, onFrame: (event: string, data: string) => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/events`, { agent: false }, (res) => {
      res.setEncoding("utf8");
      let pending = "";
      res.on("data", (d: string) => {
        pending += d;
        const end = pending.lastIndexOf("\n\n");
        if (end < 0) return;
        for (const block of pending.slice(0, end).split("\n\n")) {
          const ev = block.indexOf("event: ");
          const data = block.indexOf("\ndata: ");
          if (ev >= 0 && data >= 0) onFrame(block.slice(ev + 7, block.indexOf("\n", ev)), block.slice(data + 7));
        }
        pending = pending.slice(end + 2);
      });
      resolve(() => req.destroy());
    });
    req.on("error", reject);
    req.end();
  });
}

async function healthRtt(url: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await (await fetch(`${url}/health`)).text();
    out.push(performance.now() - t0);
  }
  return out;
}

export async function triggerLatency(r: Runner): Promise<Row[]> {
  // When each run's first step started and when it completed, as the stream tells.
  const firstStep = new Map<string, number>();
  const completed = new Set<string>();
  const close = await subscribe(r.url, (event, data) => {
    const runId = /"runId":"([^"]+)"/.exec(data)?.[1] ?? "";
    if (event === "step.started" && !firstStep.has(runId)) firstStep.set(runId, performance.now());
    if (event === "run.completed") completed.add(runId);
  });
  await healthRtt(r.url, 20);
  const rtt = await healthRtt(r.url, 50);
  const lat: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t0 = performance.now();
    const id = await r.post("one");

    for (const t = Date.now(); !completed.has(id); await sleep(1))
      if (Date.now() - t > 30_000) throw new Error(`bench: run ${id} did not complete in 30 s`);
    if (i >= 5) lat.push(firstStep.get(id)! - t0);
  }
  close();
  const p50 = pct(lat, 50);
  return [
    {
      name: "trigger → first step.started, p50",
      value: `${ms(p50)}  (${(p50 / pct(rtt, 50)).toFixed(1)}× GET /health round trip, ${ms(pct(rtt, 50))})`,
    },
    { name: "trigger → first step.started, p95", value: ms(pct(lat, 95)) },
  ];
}

function directLinesPerSecond(ws: string): number {
  const t0 = performance.now();
  const r = spawnSync("bash", ["-c", "node print.cjs 1000000 | wc -l"], { cwd: ws, encoding: "utf8" });
  if (Number(r.stdout.trim()) !== 1_000_000) throw new Error("print.cjs printed the wrong count");
  return 1_000_000 / ((performance.now() - t0) / 1000);
}

/**
 * A subscriber in a process of its own, as real clients are (a browser tab, `curl -N`, `stax log
 * -f`), doing as little as a client can: it sends its GET on a plain socket and appends what
 * arrives (headers, chunk sizes and all), read into one 1 MiB buffer, to a file that is counted
 * only after the run. When the runner ends the stream (an `overflow`: it fell 8 MiB behind), it
 * resumes from the id the overflow names, as the contract intends. Not Node's HTTP client piped
 * to a file stream: on these 2 cores ten of those took 2.8 s of CPU for 1M lines each, against
 * the runner's 1.1 s, and the figure measured them more than the runner; ten of these take 0.6 s.
 */
const SUBSCRIBER = `const net = require("node:net");
const fs = require("node:fs");
const [url, file] = process.argv.slice(1);
const { hostname, port } = new URL(url);
const connect = (lastEventId) => {
  const fd = fs.openSync(file, "a+");
  const socket = net.connect({ port: Number(port), host: hostname, onread: { buffer: Buffer.allocUnsafe(1 << 20), callback: (n, b) => void fs.writeSync(fd, b, 0, n) } }, () => {
    socket.write("GET /api/events HTTP/1.1\\r\\nHost: " + hostname + ":" + port + "\\r\\nConnection: close\\r\\n" + (lastEventId ? "Last-Event-ID: " + lastEventId + "\\r\\n" : "") + "\\r\\n");
  });
  socket.on("close", () => {
    const size = fs.fstatSync(fd).size, tail = Buffer.alloc(Math.min(size, 300));
    fs.readSync(fd, tail, 0, tail.length, size - tail.length);
    fs.closeSync(fd);
    const over = /event: overflow\\ndata: \\{"lastEventId":(\\d+)\\}/.exec(tail.toString("latin1"));
    if (over) connect(over[1]);
  });
};
connect();`;

/** The same with `curl -N` (when the machine has curl), resuming the same way. */
const CURL_SUBSCRIBER = `id=
while :; do
  curl -sN --raw \${id:+-H "Last-Event-ID: $id"} "$1/api/events" >> "$2"
  id=$(tail -c 300 "$2" | sed -n 's/^data: {"lastEventId":\\([0-9]*\\)}$/\\1/p')
  [ -n "$id" ] || break
done`;

export type Client = "socket" | "curl";
export const hasCurl = (): boolean => spawnSync("curl", ["--version"], { stdio: "ignore" }).status === 0;

/** A subscriber process, ready once the runner has written the stream's first bytes (after it counts it in). */
export async function subscriber(
  url: string,
  client: Client = "socket",
): Promise<{ file: string; pid: number; close: () => void; cpuSeconds: () => number }> {
  const file = join(mkdtempSync(join(tmpdir(), "stax-bench-sub-")), "stream");
  // Detached, so that closing it stops the shell's curl too (the process group).
  const child =
    client === "curl"
      ? spawn("sh", ["-c", CURL_SUBSCRIBER, "sh", url, file], { stdio: "ignore", detached: true })
      : spawn(process.execPath, ["-e", SUBSCRIBER, url, file], {
          stdio: ["ignore", "ignore", "inherit"],
          detached: true,
        });
  live.add(child.pid!);
  const connected = () => existsSync(file) && statSync(file).size > 0;
  for (let i = 0; i < 400 && !connected(); i++) await sleep(5);
  if (!connected()) throw new Error(`bench: a ${client} subscriber did not connect in 2 s`);
  return {
    file,
    pid: child.pid!,
    close: () => (live.delete(child.pid!), kill(child.pid!)),
    cpuSeconds: () => cpuSeconds(child.pid!),
  };
}

/** The process groups of the subscribers not closed yet: stopped when the benchmark exits. */
const live = new Set<number>();
process.once("exit", () => live.forEach(kill));

function kill(group: number): void {
  try {
    process.kill(-group);
  } catch {
    // gone already
  }
}

/** A process's CPU time so far (user + system), from /proc; NaN where there is none. */
export function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Resolves when every stream file ends with the run's `run.completed` (read from its tail only). */
export async function completed(files: string[]): Promise<void> {
  const tail = (f: string) => {
    const fd = openSync(f, "r");
    try {
      const size = fstatSync(fd).size;
      const b = Buffer.alloc(Math.min(size, 4096));
      readSync(fd, b, 0, b.length, size - b.length);
      return b.toString("latin1");
    } finally {
      closeSync(fd);
    }
  };
  for (const f of files) while (!(existsSync(f) && tail(f).includes("event: run.completed\n"))) await sleep(5);
}

/**
 * The script's lines (step.log frames of a `line N`) and the overflows in a stream file. Other
 * step.log frames (the sandbox's notice that starts the run's log) are not the script's.
 */
export function count(file: string): { lines: number; overflows: number } {
  const b = readFileSync(file);
  let lines = 0;
  const log = Buffer.from('"line":"line ');
  for (let i = b.indexOf(log); i >= 0; i = b.indexOf(log, i + log.length)) lines++;
  return { lines, overflows: b.toString("latin1").split("event: overflow\n").length - 1 };
}

/**
 * 1M lines through the runner with `n` subscribers: lines/s from trigger to the last subscriber's
 * `run.completed`, and the CPU the runner and (socket clients) the subscribers took meanwhile.
 */
export async function millionLines(
  r: Runner,
  n: number,
  client: Client = "socket",
): Promise<{
  rate: number;
  lost: number;
  overflows: number;
  persisted: number;
  peakMiB: number;
  runnerCpu: number;
  subscribersCpu: number;
}> {
  const subs = await Promise.all(Array.from({ length: n }, () => subscriber(r.url, client)));
  const cpu0 = cpuSeconds(r.proc.pid!);
  const subsCpu0 = subs.reduce((a, x) => a + x.cpuSeconds(), 0);
  const t0 = performance.now();
  const runId = await r.post("million");
  await within(n ? completed(subs.map((x) => x.file)) : r.waitFor(runId), 180, "the 1M-line run");
  const seconds = (performance.now() - t0) / 1000;
  const runnerCpu = cpuSeconds(r.proc.pid!) - cpu0;
  const subscribersCpu = client === "socket" ? subs.reduce((a, x) => a + x.cpuSeconds(), 0) - subsCpu0 : NaN;
  subs.forEach((x) => x.close());
  await r.waitFor(runId);
  const peakMiB = r.peakRssMiB();
  const logs = await (await fetch(`${r.url}/api/runs/${runId}/logs`)).text();
  const results = subs.map((x) => count(x.file));
  subs.forEach((x) => rmSync(dirname(x.file), { recursive: true, force: true }));
  return {
    rate: 1_000_000 / seconds,
    lost: results.reduce((a, c) => a + (1_000_000 - c.lines), 0),
    overflows: results.reduce((a, c) => a + c.overflows, 0),
    persisted: logs.split("\n").filter((l) => /line \d+$/.test(l)).length,
    peakMiB,
    runnerCpu,
    subscribersCpu,
  };
}

/** Each case on a fresh runner: VmHWM is a high-water mark, so one case must not inherit another's. */
async function throughput(ws: string): Promise<Row[]> {
  const direct = directLinesPerSecond(ws);
  const rows: Row[] = [
    {
      name: "1M lines piped straight to wc -l (baseline)",
      value: `${Math.round(direct).toLocaleString("en")} lines/s`,
    },
  ];
  const cases: [number, Client][] = [
    [0, "socket"],
    [1, "socket"],
    [10, "socket"],
  ];
  if (hasCurl()) cases.push([10, "curl"]);
  for (const [n, client] of cases) {
    const home = mkdtempSync(join(tmpdir(), "stax-bench-home-"));
    const r = await Runner.start(ws, home);
    try {
      const m = await millionLines(r, n, client);
      const subsCpu =
        n === 0 || Number.isNaN(m.subscribersCpu) ? "" : `, the subscribers ${m.subscribersCpu.toFixed(2)} s`;
      rows.push({
        name: `1M lines, ${n} subscriber${n === 1 ? "" : "s"}${client === "curl" ? " (curl -N)" : ""}`,
        value: `${Math.round(m.rate).toLocaleString("en")} lines/s (${(m.rate / direct).toFixed(2)}× baseline); persisted ${m.persisted.toLocaleString("en")}; lost ${m.lost}; overflows ${m.overflows} (resumed by Last-Event-ID); runner VmHWM ${m.peakMiB.toFixed(0)} MiB; CPU: the runner ${m.runnerCpu.toFixed(2)} s${subsCpu}`,
      });
    } finally {
      await r.stop();
      rmSync(home, { recursive: true, force: true });
    }
  }
  return rows;
}

/** p99 delay from print to arrival over `subs` subscribers, and the lines lost. */
async function fanOut(r: Runner, subs: number): Promise<{ p99: number; lost: number }> {
  const delays: number[] = [];
  const counts = new Array<number>(subs).fill(0);
  let runId = "";
  let left = subs;
  let resolveDone!: () => void;
  const done = new Promise<void>((ok) => (resolveDone = ok));
  const closers = await Promise.all(
    counts.map((_, i) =>
      subscribe(r.url, (event, data) => {
        if (event === "step.log") {
          const m = /t=(\d+) /.exec(data);
          if (m) {
            delays.push(Date.now() - Number(m[1]));
            counts[i]++;
          }
        } else if (event === "run.completed" && runId && data.includes(runId) && --left === 0) resolveDone();
      }),
    ),
  );
  runId = await r.post("stamped");
  await within(done, 120, `the run watched by ${subs} subscribers`);
  closers.forEach((c) => c());
  return { p99: pct(delays, 99), lost: counts.reduce((a, c) => a + (2000 - c), 0) };
}

export async function benchRunner(): Promise<Row[]> {
  const ws = workspace();
  const home = mkdtempSync(join(tmpdir(), "stax-bench-home-"));
  const r = await Runner.start(ws, home);
  try {
    const rows = await triggerLatency(r);
    rows.push(...(await throughput(ws)));
    const one = await fanOut(r, 1);
    const many = await fanOut(r, 200);
    rows.push({
      name: "200 subscribers: p99 print → arrival",
      value: `${ms(many.p99)}  (${(many.p99 / Math.max(one.p99, 0.5)).toFixed(1)}× 1 subscriber, ${ms(one.p99)}); lost ${many.lost} of ${200 * 2000}`,
    });
    return rows;
  } finally {
    await r.stop();
    rmSync(ws, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
}
