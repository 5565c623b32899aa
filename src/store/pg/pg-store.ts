import type pg from "pg";
import { pgDriver } from "./driver.js";
import { StaxError, errorMessage } from "../../contract/index.js";
import type { Store, StoreOptions } from "../store.js";
import { CHANNEL, PgEventLog } from "./events.js";
import { PgArtifacts, PgBlobs, PgQueue, PgRuns, PgSecrets } from "./parts.js";
import { migrate } from "./schema.js";
import { Listener } from "./listen.js";
import { PgLogs } from "./logs.js";
import { PgVars } from "./vars.js";

/** A database URL with its password replaced, for every message that names it. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, "$1***@").replace(/([?&]password=)[^&]*/i, "$1***");
}

/**
 * The shared store of many machines: PostgreSQL for runs, events, logs, secrets, variables,
 * artifacts and blobs. Every front-end LISTENs for committed batches (one NOTIFY each) and reconnects with
 * backoff when the database goes away; the pool reconnects queries by itself.
 */
export class PgStore implements Store {
  readonly events: PgEventLog;
  readonly logs: PgLogs;
  readonly runs: PgRuns;
  readonly secrets: PgSecrets;
  readonly vars: PgVars;
  readonly artifacts: PgArtifacts;
  readonly blobs: PgBlobs;
  readonly queue: PgQueue;
  private listener: Listener | undefined;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
    readonly workspace: string,
    start: number,
    opts: StoreOptions,
  ) {
    this.events = new PgEventLog(pool, workspace, start);
    this.logs = new PgLogs(pool, workspace);
    this.blobs = new PgBlobs(pool, workspace);
    this.runs = new PgRuns(pool, workspace, this.blobs);
    this.secrets = new PgSecrets(pool, workspace);
    this.vars = new PgVars(pool, workspace);
    this.artifacts = new PgArtifacts(pool, workspace);
    this.queue = new PgQueue(pool, workspace, opts.clock);
  }

  /**
   * Connects, migrates (idempotent, one process at a time) and opens the store of `workspace`.
   * `opts.poolSize`: connections at most (default 8; a worker of one slot needs 2, not a
   * front-end's 8: 32 of them at 8 each exhaust a server's connections).
   */
  static async connect(
    url: string,
    workspace: string,
    opts: StoreOptions & { poolSize?: number } = {},
  ): Promise<PgStore> {
    const pool = new (await pgDriver()).Pool({
      connectionString: url,
      max: opts.poolSize ?? 8,
      connectionTimeoutMillis: 10_000,
    });
    // An idle client losing its connection (database restart) must not crash the process.
    pool.on("error", () => {});
    let client: pg.PoolClient | undefined;
    try {
      client = await pool.connect();
      await migrate(client);
      const { rows } = await client.query<{ value: string }>("SELECT value FROM stax_counters WHERE key = 'event_id'");
      return new PgStore(pool, url, workspace, Number(rows[0].value), opts);
    } catch (err) {
      await pool.end().catch(() => {});
      throw new StaxError(
        "STORE_UNAVAILABLE",
        `cannot open the store at ${redactUrl(url)}: ${redactUrl(errorMessage(err))}`,
      );
    } finally {
      client?.release();
    }
  }

  follow(): void {
    this.listener ??= new Listener(
      this.url,
      [CHANNEL],
      (_, payload) => {
        const [ws, id] = payload.split(" ");
        if (ws === this.workspace) this.events.feed.notify(Number(id));
      },
      // Whatever was committed while not listening is read now.
      async () => this.events.feed.notify(await this.events.highWater()),
    );
  }

  async close(): Promise<void> {
    await this.listener?.close();
    await this.events.feed.idle();
    await this.pool.end();
  }
}
