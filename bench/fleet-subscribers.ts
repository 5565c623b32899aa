/**
 * Many subscribers (issue 26, item 5): STAX_BENCH_SUBS subscribers (default 2,000) split over 2
 * front-ends of one PostgreSQL, while a step on a worker prints STAX_BENCH_RATE lines a second
 * (default 10,000) for STAX_BENCH_SECONDS (default 2). Subscribers are cheap: plain sockets,
 * SUBS_PER_PROCESS of them in one Node process, each counting its lines with native byte searches
 * and, per read, the delay of its oldest line (print stamp → arrival), counted for each line of
 * the read: an upper bound of every line's delay, in a histogram of milliseconds. A subscriber told
 * `overflow` resumes with Last-Event-ID, as a client would, so "lost" is what never arrived.
 *
 * Each process of subscribers connects from a loopback address of its own (127.0.0.10, .11, …): a
 * client is its address, and the front-ends' default caps allow 512 streams a client and 1,024 in
 * all (a front-end gets 1,000 here). A stream the front-end refuses ends the benchmark: it would
 * count as lost lines, not as a delay.
 *
 * Idle memory: the front-ends' resident memory before and after the subscribers connect, with no
 * run going, divided by the subscribers; "before" is taken after a warm-up (WARM_UP streams per
 * front-end opened and closed), as the first connections of a fresh process also page in Node's
 * code and grow V8's young generation, costs paid once, not per subscriber. The figure from the
 * fresh front-ends is printed beside it, and as the baseline the same measure of a bare Node HTTP
 * server and a bare `net` server holding as many streams as a front-end.
 *
 * Run alone: `node --import tsx bench/fleet-subscribers.ts`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFleet } from "../test/helpers/fleet.js";
import { startPostgres } from "../test/helpers/postgres.js";

type Row = { name: string; value: string };
const SUBS_PER_PROCESS = 250;
/** Streams per front-end opened and closed before its idle memory is measured. */
const WARM_UP = 250;
const sleep = (n: number) => new Promise((r) => setTimeout(r, n));

/** `rate` lines a second for `seconds`, each stamped with the time it was printed. */
const PRINT = `const [rate, seconds] = process.argv.slice(2).map(Number);
const total = rate * seconds, t0 = Date.now();
let i = 0;
const tick = () => {
  const now = Date.now(), due = Math.min(total, Math.floor(((now - t0) * rate) / 1000));
  let text = "";
  for (; i < due; i++) text += "t=" + now + " " + i + "\\n";
  if (text) process.stdout.write(text);
  if (i < total) setTimeout(tick, 1);
};
tick();
`;

/**
 * A process of `n` subscribers of one front-end. Prints `ready` once every socket got the
 * response's first bytes, then, at the run's end (every socket saw run.completed, or stdin
 * closes), one JSON line: lines per socket, the delay histogram, the resumes after overflow.
 */
const GROUP = `const net = require("node:net");
const [url, n, localAddress] = process.argv.slice(1);
const { hostname, port } = new URL(url);
const counts = new Array(Number(n)).fill(0), hist = new Uint32Array(60001);
const STAMP = Buffer.from('"t='), OK = Buffer.from("HTTP/1.1 200 "), END = Buffer.from("event: run.completed");
let ready = 0, ended = 0, resumes = 0, reads = 0, bytes = 0;
const report = () => {
  const u = process.cpuUsage();
  process.stdout.write(JSON.stringify({ counts, hist: Array.from(hist), resumes, reads, bytes, cpu: (u.user + u.system) / 1e6 }) + "\\n");
  process.exit(0);
};
const open = (k, last) => {
  let first = true, edge = Buffer.alloc(0), tail = "", done = false;
  const s = net.connect({ port: Number(port), host: hostname, localAddress }, () => s.write("GET /api/events HTTP/1.1\\r\\nHost: " + hostname + ":" + port + "\\r\\n" + (last ? "Last-Event-ID: " + last + "\\r\\n" : "") + "\\r\\n"));
  s.on("data", (b) => {
    const now = Date.now();
    reads++;
    bytes += b.length;
    if (first && !b.subarray(0, 13).equals(OK)) { process.stderr.write("bench: a stream was refused: " + b.toString("latin1").split("\\r\\n")[0] + "\\n"); process.exit(1); }
    if (first && !last && ++ready === counts.length) process.stdout.write("ready\\n");
    first = false;
    // Native searches over the bytes, no string per read: the subscribers must cost less than what they measure.
    let c = 0, at = -1, i = -1;
    while ((i = b.indexOf(STAMP, i + 1)) !== -1) { if (at < 0) at = i; c++; }
    // A stamp cut between two reads.
    const seam = Buffer.concat([edge, b.subarray(0, 2)]);
    for (let j = 0; j < edge.length; j++) if (seam.indexOf(STAMP, j) === j && j + 3 > edge.length) c++;
    edge = Buffer.from(b.subarray(-2));
    counts[k] += c;
    // The read's first stamp is its oldest line: its delay, counted for every line of the read, bounds theirs.
    if (at >= 0) {
      let t = 0, p = at + 3;
      for (; p < b.length && b[p] >= 48 && b[p] <= 57; p++) t = t * 10 + b[p] - 48;
      if (p < b.length) hist[Math.max(0, Math.min(60000, now - t))] += c;
    }
    const text = tail + b.toString("latin1", 0, Math.min(b.length, 400));
    if (!done && (b.indexOf(END) !== -1 || text.includes("event: run.completed"))) { done = true; if (++ended === counts.length) report(); }
    tail = b.length >= 400 ? b.toString("latin1", b.length - 400) : (tail + b.toString("latin1")).slice(-400);
  });
  s.on("close", () => {
    const over = /event: overflow\\ndata: \\{"lastEventId":(\\d+)\\}/.exec(tail);
    if (over && !done) { resumes++; open(k, over[1]); }
  });
  s.on("error", () => {});
};
for (let k = 0; k < counts.length; k++) open(k);
process.stdin.on("end", report).resume();
`;

interface Group {
  child: ChildProcess;
  result: Promise<{ counts: number[]; hist: number[]; resumes: number; reads: number; bytes: number; cpu: number }>;
  ready: Promise<void>;
}

/** `n` subscribers of the front-end at `url` in a process of their own, connecting from 127.0.0.`host`. */
function group(url: string, n: number, host: number): Group {
  const child = spawn(process.execPath, ["-e", GROUP, url, String(n), `127.0.0.${host}`], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  let onReady!: () => void;
  let notReady!: (err: Error) => void;
  const ready = new Promise<void>((resolve, reject) => ((onReady = resolve), (notReady = reject)));
  const result = new Promise<Group extends { result: Promise<infer T> } ? T : never>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.startsWith("ready\n")) onReady();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line && out.endsWith("\n")) resolve(JSON.parse(line));
    });
    child.on("exit", () => {
      const err = new Error("bench: a subscriber group ended without a report");
      notReady(err);
      reject(err);
    });
  });
  return { child, result, ready };
}

/** CPU seconds of a process and the children it reaped. */
function cpu(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return 0;
  }
}

const rss = (pid: number | undefined) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;

/** A bare Node server of streams (`http` or `net`): each request gets an SSE head and a comment, then nothing. */
const BARE = `const kind = process.argv[1];
const head = "HTTP/1.1 200 OK\\r\\nContent-Type: text/event-stream\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n6\\r\\n: hi\\n\\n\\r\\n";
const server = kind === "http"
  ? require("node:http").createServer((req, res) => {
      res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
      res.write(": hi\\n\\n");
    })
  : require("node:net").createServer((socket) => {
      socket.on("error", () => {});
      socket.once("data", () => socket.write(head));
    });
server.listen(0, "127.0.0.1", () => process.stdout.write(server.address().port + "\\n"));
`;

/**
 * The baseline of the idle memory row: the resident memory a bare Node server (`http`: a
 * `createServer` whose responses stay open; `net`: sockets answered by hand) takes per stream,
 * measured as the front-ends are (a warm-up first, then `n` streams).
 */
async function bareMemory(kind: "http" | "net", n: number): Promise<number> {
  const child = spawn(process.execPath, ["-e", BARE, kind], { stdio: ["ignore", "pipe", "inherit"] });
  const groups: Group[] = [];
  try {
    const port = await new Promise<string>((resolve) => child.stdout!.once("data", (d) => resolve(String(d).trim())));
    const url = `http://127.0.0.1:${port}`;
    const warm = group(url, WARM_UP, 40);
    await warm.ready;
    warm.child.kill("SIGKILL");
    await warm.result.catch(() => {});
    await sleep(1000);
    const before = rss(child.pid);
    for (let i = 0; i * SUBS_PER_PROCESS < n; i++) {
      groups.push(group(url, Math.min(SUBS_PER_PROCESS, n - i * SUBS_PER_PROCESS), 41 + i));
      await groups.at(-1)!.ready;
    }
    await sleep(1000);
    return (rss(child.pid) - before) / n;
  } finally {
    for (const g of groups) {
      g.result.catch(() => {});
      g.child.kill("SIGKILL");
    }
    child.kill("SIGKILL");
  }
}

export async function benchSubscribers(): Promise<Row[]> {
  const subs = Number(process.env.STAX_BENCH_SUBS ?? 2000);
  const rate = Number(process.env.STAX_BENCH_RATE ?? 10_000);
  const seconds = Number(process.env.STAX_BENCH_SECONDS ?? 2);
  const server = await startPostgres();
  const ws = mkdtempSync(join(tmpdir(), "stax-bench-subs-"));
  mkdirSync(join(ws, ".github/workflows"), { recursive: true });
  writeFileSync(join(ws, "print.cjs"), PRINT);
  writeFileSync(
    join(ws, ".github/workflows/stamped.yml"),
    `name: stamped\non: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: node print.cjs ${rate} ${seconds}\n`,
  );
  // Each front-end holds half the subscribers: the baselines hold as many.
  const bare = { http: await bareMemory("http", subs / 2), net: await bareMemory("net", subs / 2) };
  const fleet = await startFleet({ databaseUrl: server.url, workspace: ws, frontEnds: 2 });
  const groups: Group[] = [];
  try {
    await fleet.startWorker("subs-1");
    const fresh = fleet.frontEnds.map((f) => rss(f.child.pid));
    for (const [i, f] of fleet.frontEnds.entries()) {
      const warm = group(f.url, WARM_UP, 9 - i);
      await warm.ready;
      warm.child.kill("SIGKILL");
      await warm.result.catch(() => {});
    }
    await sleep(1000);
    const before = fleet.frontEnds.map((f) => rss(f.child.pid));
    for (let i = 0; i * SUBS_PER_PROCESS < subs; i++) {
      groups.push(group(fleet.frontEnds[i % 2].url, Math.min(SUBS_PER_PROCESS, subs - i * SUBS_PER_PROCESS), 10 + i));
      await groups.at(-1)!.ready;
    }
    await sleep(1000);
    const after = fleet.frontEnds.map((f) => rss(f.child.pid));
    const sum = (m: number[]) => m[0] + m[1];
    const perSub = (sum(after) - sum(before)) / subs;
    const perSubFresh = (sum(after) - sum(fresh)) / subs;
    const procs = () =>
      [...fleet.frontEnds.map((f) => f.child.pid), ...[...fleet.workers.values()].map((w) => w.child.pid)].map(cpu);
    const cpu0 = procs();
    const t0 = performance.now();
    const res = await fetch(`${fleet.frontEnds[0].url}/api/runs`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ workflow: "stamped" }),
    });
    if (res.status !== 201) throw new Error(`POST /api/runs: ${res.status}`);
    // A group whose sockets do not all see the run's end in time reports what it has.
    const timer = setTimeout(() => groups.forEach((g) => g.child.stdin!.end()), 300_000);
    const results = await Promise.all(groups.map((g) => g.result));
    clearTimeout(timer);
    const ms = performance.now() - t0;
    const cpu1 = procs();
    const hist = new Array<number>(60001).fill(0);
    for (const r of results) r.hist.forEach((c, i) => (hist[i] += c));
    const total = hist.reduce((a, c) => a + c, 0);
    const at = (p: number) => {
      let seen = 0;
      for (let i = 0; i < hist.length; i++) if ((seen += hist[i]) >= (p / 100) * total) return i;
      return NaN;
    };
    const lost = results.flatMap((r) => r.counts).reduce((a, c) => a + (rate * seconds - c), 0);
    const resumes = results.reduce((a, r) => a + r.resumes, 0);
    const reads = results.reduce((a, r) => a + r.reads, 0);
    const bytes = results.reduce((a, r) => a + r.bytes, 0);
    return [
      {
        name: `${subs.toLocaleString("en")} subscribers over 2 front-ends, ${rate.toLocaleString("en")} lines/s for ${seconds} s`,
        value: `delivery p50 ${at(50)} ms, p99 ${at(99)} ms (target ≤ 100 ms); lost ${lost.toLocaleString("en")} of ${(subs * rate * seconds).toLocaleString("en")}; resumed after overflow ${resumes}; run to the last subscriber's end ${(ms / 1000).toFixed(1)} s`,
      },
      {
        name: "  CPU meanwhile",
        value: `front-ends ${(cpu1[0] - cpu0[0]).toFixed(1)} s and ${(cpu1[1] - cpu0[1]).toFixed(1)} s, the worker with its step ${(cpu1[2] - cpu0[2]).toFixed(1)} s, the subscribers' ${groups.length} processes ${results.reduce((a, r) => a + r.cpu, 0).toFixed(1)} s (${reads.toLocaleString("en")} reads of ${(bytes / reads / 1024).toFixed(1)} KiB on average)`,
      },
      {
        name: "  idle subscriber's memory on its front-end",
        value: `${(perSub / 1024).toFixed(1)} KB after a warm-up, ${(perSubFresh / 1024).toFixed(1)} KB from the fresh front-ends (resident memory of both: ${(sum(fresh) / 2 ** 20).toFixed(0)} MiB fresh, ${(sum(before) / 2 ** 20).toFixed(0)} after the warm-up, ${(sum(after) / 2 ** 20).toFixed(0)} with the subscribers; goal ≤ 20 KB)`,
      },
      {
        name: `  the same ${(subs / 2).toLocaleString("en")} idle streams held by a bare Node server`,
        value: `HTTP server ${(bare.http / 1024).toFixed(1)} KB each, net server ${(bare.net / 1024).toFixed(1)} KB each, measured the same way`,
      },
    ];
  } finally {
    for (const g of groups) g.child.kill("SIGKILL");
    await fleet.stop();
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchSubscribers()) console.log(`  ${r.name}  ${r.value}`);
}
