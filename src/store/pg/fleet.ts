import type pg from "pg";
import { pgDriver } from "./driver.js";
import { StaxError, type LegResult, type LegSpec, type WorkerInfo, errorMessage } from "../../contract/index.js";
import { Listener } from "./listen.js";
import { redactUrl } from "./pg-store.js";
import { migrate } from "./schema.js";

/** The channel of leg changes; payloads `queued`, `cancel <id>`, `done <id>`. */
export const LEGS_CHANNEL = "stax_legs";
/** Milliseconds of the database's clock: leases compare times of one clock, whatever the hosts' skew. */
const NOW = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/** What the fleet is opened with besides its database. */
export interface FleetOptions {
  /**
   * Milliseconds added to the database's clock wherever leases and heartbeats are set or compared:
   * a test moves time forward to expire a lease without waiting for it (0 otherwise).
   */
  ahead?: () => number;
  /** Connections at most: a worker claims, beats and reports one statement at a time per slot; a coordinator queues and polls more (default 4). */
  poolSize?: number;
}

export type LegState = "queued" | "running" | "done" | "lost" | "cancelled";

/** A leg a worker claimed. */
export interface ClaimedLeg {
  id: string;
  spec: LegSpec;
}

/**
 * The job legs of every workspace and the workers that run them, in PostgreSQL. A leg is claimed
 * with `FOR UPDATE SKIP LOCKED` by a worker whose labels include all the leg's (`labels <@`),
 * held by a lease the worker's heartbeat extends, never retried; cancel is a level (1 graceful,
 * 2 at once) plus a notification.
 */
export class PgFleet {
  private listener: Listener | undefined;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
    private readonly ahead: () => number,
  ) {}

  static async connect(url: string, opts: FleetOptions = {}): Promise<PgFleet> {
    const pool = new (await pgDriver()).Pool({
      connectionString: url,
      max: opts.poolSize ?? 4,
      connectionTimeoutMillis: 10_000,
    });
    pool.on("error", () => {});
    try {
      const client = await pool.connect();
      try {
        await migrate(client);
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end().catch(() => {});
      throw new StaxError(
        "STORE_UNAVAILABLE",
        `cannot reach the database at ${redactUrl(url)}: ${redactUrl(errorMessage(err))}`,
      );
    }
    return new PgFleet(pool, url, opts.ahead ?? (() => 0));
  }

  /** The database's clock in SQL, moved forward by `ahead` (an integer, so safe to write into the statement). */
  private now(): string {
    const ms = Math.trunc(this.ahead());
    return Number.isFinite(ms) && ms !== 0 ? `(${NOW} + ${ms})` : NOW;
  }

  /** Calls `onChange` with each leg notification, and with `connected` after each (re)connect. */
  listen(onChange: (payload: string) => void): void {
    this.listener ??= new Listener(
      this.url,
      [LEGS_CHANNEL],
      (_, p) => onChange(p),
      () => onChange("connected"),
    );
  }

  /** Legs queued in this tick, written together by `flushQueued`. */
  private batch: { id: string; spec: LegSpec; done: (queued: boolean) => void; fail: (err: unknown) => void }[] = [];

  /** Queues a leg; false when a leg of that id was queued before (its run is being taken over). */
  enqueue(id: string, spec: LegSpec): Promise<boolean> {
    // A run hands out its ready legs in one tick (a 256-leg matrix at once): they are written in
    // one statement with one notification, not a statement and a NOTIFY each that wake every
    // worker hundreds of times and hold the pool until other queries time out.
    return new Promise((done, fail) => {
      if (this.batch.push({ id, spec, done, fail }) === 1) setImmediate(() => void this.flushQueued());
    });
  }

  private async flushQueued(): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    const rows = batch.map(({ id, spec }) => ({
      id,
      workspace: spec.workspace,
      run_id: spec.runId,
      job_id: spec.job.id,
      labels: spec.labels,
      spec: JSON.stringify(spec),
    }));
    try {
      // The notification goes out with the rows' commit, and only when a row is new; PostgreSQL
      // delivers one per transaction for the same payload.
      const { rows: queued } = await this.pool.query<{ id: string }>(
        `WITH queued AS (INSERT INTO stax_legs (id, workspace, run_id, job_id, labels, spec, created_at)
           SELECT x.id, x.workspace, x.run_id, x.job_id, ARRAY(SELECT jsonb_array_elements_text(x.labels)), x.spec, ${this.now()}
           FROM jsonb_to_recordset($1::jsonb) AS x(id text, workspace text, run_id text, job_id text, labels jsonb, spec text)
           ON CONFLICT (id) DO NOTHING RETURNING id)
         SELECT id, pg_notify($2, 'queued') FROM queued`,
        [JSON.stringify(rows), LEGS_CHANNEL],
      );
      const fresh = new Set(queued.map((r) => r.id));
      for (const b of batch) b.done(fresh.has(b.id));
    } catch (err) {
      for (const b of batch) b.fail(err);
    }
  }

  async claim(worker: string, labels: string[], leaseMs: number): Promise<ClaimedLeg | undefined> {
    const { rows } = await this.pool.query<{ id: string; spec: string }>(
      `UPDATE stax_legs SET state = 'running', worker = $1, lease_until = ${this.now()} + $3 WHERE id = (
         SELECT id FROM stax_legs WHERE state = 'queued' AND labels <@ $2::text[] ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING id, spec`,
      [worker, labels, leaseMs],
    );
    return rows[0] ? { id: rows[0].id, spec: JSON.parse(rows[0].spec) as LegSpec } : undefined;
  }

  /** Extends the leases of the worker's legs and records its heartbeat. */
  async heartbeat(worker: string, leaseMs: number, inHand: number): Promise<void> {
    await this.pool.query(
      `UPDATE stax_legs SET lease_until = ${this.now()} + $2 WHERE worker = $1 AND state = 'running'`,
      [worker, leaseMs],
    );
    await this.pool.query(`UPDATE stax_workers SET heartbeat = ${this.now()}, in_hand = $2 WHERE name = $1`, [
      worker,
      inHand,
    ]);
  }

  async finish(id: string, result: LegResult): Promise<void> {
    // One round trip on the worker's way to its next leg: a data-modifying WITH runs even unread.
    await this.pool.query(
      "WITH done AS (UPDATE stax_legs SET state = 'done', result = $2 WHERE id = $1 AND state = 'running') SELECT pg_notify($3, $4)",
      [id, JSON.stringify(result), LEGS_CHANNEL, `done ${id}`],
    );
  }

  /** Asks for a leg to stop; a leg no worker claimed yet is cancelled at once (returns true). */
  async cancel(id: string, hard: boolean): Promise<boolean> {
    const level = hard ? 2 : 1;
    const { rows } = await this.pool.query<{ state: string }>(
      "UPDATE stax_legs SET cancel = GREATEST(cancel, $2), state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END WHERE id = $1 RETURNING state",
      [id, level],
    );
    await this.pool.query("SELECT pg_notify($1, $2)", [LEGS_CHANNEL, `cancel ${id}`]);
    return rows[0]?.state === "cancelled";
  }

  /** Stops every leg of a run (its coordinator is gone): queued ones are cancelled, running ones told to stop at once. */
  async cancelRun(runId: string): Promise<void> {
    const { rows } = await this.pool.query<{ id: string }>(
      "UPDATE stax_legs SET cancel = 2, state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END WHERE run_id = $1 AND state IN ('queued', 'running') RETURNING id",
      [runId],
    );
    for (const r of rows) await this.pool.query("SELECT pg_notify($1, $2)", [LEGS_CHANNEL, `cancel ${r.id}`]);
  }

  async cancelLevel(id: string): Promise<number> {
    const { rows } = await this.pool.query<{ cancel: number }>("SELECT cancel FROM stax_legs WHERE id = $1", [id]);
    return rows[0]?.cancel ?? 0;
  }

  async state(id: string): Promise<{ state: LegState; worker?: string; result?: LegResult } | undefined> {
    const { rows } = await this.pool.query<{ state: LegState; worker: string | null; result: string | null }>(
      "SELECT state, worker, result FROM stax_legs WHERE id = $1",
      [id],
    );
    const r = rows[0];
    return r
      ? {
          state: r.state,
          ...(r.worker ? { worker: r.worker } : {}),
          ...(r.result ? { result: JSON.parse(r.result) as LegResult } : {}),
        }
      : undefined;
  }

  /** Marks the running legs among `ids` whose lease lapsed as lost; returns them with their worker. */
  async lapse(ids: string[]): Promise<{ id: string; worker: string }[]> {
    if (!ids.length) return [];
    const { rows } = await this.pool.query<{ id: string; worker: string }>(
      `UPDATE stax_legs SET state = 'lost' WHERE id = ANY($1) AND state = 'running' AND lease_until < ${this.now()} RETURNING id, worker`,
      [ids],
    );
    return rows;
  }

  /** Every workspace with secrets or run requests in the database: a shared key seals them all. */
  async workspaces(): Promise<string[]> {
    const { rows } = await this.pool.query<{ workspace: string }>(
      "SELECT workspace FROM stax_secrets UNION SELECT workspace FROM stax_run_requests ORDER BY workspace",
    );
    return rows.map((r) => r.workspace);
  }

  /** Rewrites every leg's spec that `change` returns anew (`stax secret rotate-key`); returns how many changed. */
  async rewriteSpecs(change: (spec: LegSpec) => LegSpec | undefined): Promise<number> {
    const { rows } = await this.pool.query<{ id: string; spec: string }>("SELECT id, spec FROM stax_legs");
    let n = 0;
    for (const r of rows) {
      const next = change(JSON.parse(r.spec) as LegSpec);
      if (next)
        n +=
          (await this.pool.query("UPDATE stax_legs SET spec = $2 WHERE id = $1", [r.id, JSON.stringify(next)]))
            .rowCount ?? 0;
    }
    return n;
  }

  async registerWorker(name: string, labels: string[], slots: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO stax_workers (name, labels, slots, heartbeat, started_at) VALUES ($1, $2, $3, ${this.now()}, ${this.now()}) ON CONFLICT (name) DO UPDATE SET labels = excluded.labels, slots = excluded.slots, in_hand = 0, heartbeat = excluded.heartbeat, started_at = excluded.started_at`,
      [name, labels, slots],
    );
  }

  async removeWorker(name: string): Promise<void> {
    await this.pool.query("DELETE FROM stax_workers WHERE name = $1", [name]);
  }

  /** Workers seen within `forgetMs`, newest heartbeat first; `lost` past `leaseMs` without one. */
  async workers(leaseMs: number, forgetMs = 3_600_000): Promise<WorkerInfo[]> {
    const { rows } = await this.pool.query<{
      name: string;
      labels: string[];
      slots: number;
      in_hand: number;
      heartbeat: string;
      started_at: string;
      age: string;
    }>(
      `SELECT *, ${this.now()} - heartbeat AS age FROM stax_workers WHERE heartbeat > ${this.now()} - $1 ORDER BY heartbeat DESC`,
      [forgetMs],
    );
    return rows.map((r) => ({
      name: r.name,
      labels: r.labels,
      slots: r.slots,
      inHand: r.in_hand,
      lastHeartbeat: new Date(Number(r.heartbeat)).toISOString(),
      startedAt: new Date(Number(r.started_at)).toISOString(),
      lost: Number(r.age) > leaseMs,
    }));
  }

  async close(): Promise<void> {
    await this.listener?.close();
    await this.pool.end();
  }
}
