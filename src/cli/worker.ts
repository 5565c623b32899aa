import type { Command } from "commander";
import { arch, hostname } from "node:os";
import { join } from "node:path";
import pc from "picocolors";
import { StaxError, type WorkerInfo } from "../contract/index.js";
import type { Config } from "../config/config.js";
import { PgFleet } from "../store/index.js";
import { machineHost } from "../host/launch.js";
import { startWorker, type Worker } from "../worker/worker.js";
import { cliConfig } from "./discovery.js";

/** The labels a worker has unless told: its OS and architecture, as `runs-on` names them. */
export function defaultLabels(): string[] {
  return ["linux", arch() === "x64" ? "x64" : arch()];
}

function needDatabase(c: Config): { url: string; key: string } {
  if (!c.databaseUrl)
    throw new StaxError(
      "CONFIG_INVALID",
      "workers need a shared PostgreSQL store: set STAX_DATABASE_URL or pass --database URL",
    );
  return { url: c.databaseUrl, key: c.secretsKey! };
}

/** Starts a worker in this process (`stax worker`, `stax runner start --with-worker`). */
export async function launchWorker(
  c: Config,
  o: { name?: string; concurrency?: string; labels?: string; workDir?: string },
  log: (line: string) => void,
): Promise<Worker> {
  const { url, key } = needDatabase(c);
  const concurrency = Number(o.concurrency ?? 1);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
    throw new StaxError("BAD_REQUEST", `--concurrency must be a whole number from 1 to 256, got '${o.concurrency}'`);
  const name = o.name ?? process.env.RUNNER_NAME ?? `${hostname()}-${process.pid}`;
  const labels = (o.labels ? o.labels.split(",") : defaultLabels()).map((l) => l.trim().toLowerCase()).filter(Boolean);
  const workDir = o.workDir ?? join(c.home, "worker", name.replace(/[^A-Za-z0-9._-]/g, "_"));
  return startWorker({
    databaseUrl: url,
    name,
    concurrency,
    labels,
    workDir,
    leaseMs: c.leaseMs,
    secretsKey: key,
    machine: machineHost(c, process.env),
    log,
  });
}

/** `stax worker` and `stax workers`. */
export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description("run job legs of the shared store's runs on this machine (needs STAX_DATABASE_URL or --database)")
    .option("--name <name>", "shown as runner.name and in `stax workers` (default: host name and pid)")
    .option("--concurrency <n>", "legs at once", "1")
    .option("--labels <a,b>", "what runs-on may ask of it (default: linux and the architecture)")
    .option("--work-dir <dir>", "checkouts, temp folders and caches (default: $STAX_HOME/worker/<name>)")
    .action(async (o: { name?: string; concurrency?: string; labels?: string; workDir?: string }) => {
      const c = cliConfig();
      const stamp = () => new Date().toISOString().slice(11, 19);
      const worker = await launchWorker(c, o, (line) => console.log(`${pc.dim(stamp())} ${line}`));
      console.log(`stax worker ${o.name ?? ""} ready: ${o.concurrency ?? 1} slot(s)`.replace("  ", " "));
      let signals = 0;
      const onSignal = () => {
        signals++;
        console.log(
          signals === 1
            ? "stax worker: no new legs; finishing the ones in hand (Ctrl-C again cancels them)"
            : "stax worker: cancelling the legs in hand",
        );
        void worker.stop(signals > 1);
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      await worker.done;
    });
  program
    .command("workers")
    .description("the workers of the shared store: labels, slots, legs in hand, last heartbeat")
    .option("--json", "as JSON")
    .action(async (o: { json?: boolean }) => {
      const c = cliConfig();
      const { url } = needDatabase(c);
      const fleet = await PgFleet.connect(url);
      let list: WorkerInfo[];
      try {
        list = await fleet.workers(c.leaseMs);
      } finally {
        await fleet.close();
      }
      if (o.json) console.log(JSON.stringify(list, null, 2));
      else if (!list.length) console.log("no workers");
      else
        for (const w of list)
          console.log(
            `${w.lost ? pc.red("lost") : pc.green("live")}  ${pc.bold(w.name)}  [${w.labels.join(", ")}]  ${w.inHand}/${w.slots} legs  heartbeat ${w.lastHeartbeat}`,
          );
    });
}
