import type { Pool } from "pg";
import type { SSEEvent, StoredEvent } from "../../contract/index.js";
import { CommitFeed } from "../commit-feed.js";
import { transaction } from "./tx.js";
import type { EventLog, ReadQuery } from "../store.js";

type LogEvent = Extract<StoredEvent, { type: "step.log" }>;

const CHUNK_LINES = 1000;
/** Chunks read in one round trip at most. */
const CHUNKS_PER_READ = 64;
/** The channel every front-end LISTENs on; the payload is `<workspace> <last id>` of a batch. */
export const CHANNEL = "stax_events";

/**
 * The event log in PostgreSQL. A batch takes the counter row's lock (`UPDATE … RETURNING`), which
 * it holds until commit: batches commit in id order, so a reader that saw id N never meets a
 * smaller one later. One NOTIFY per batch, never one per line.
 */
export class PgEventLog implements EventLog {
  readonly feed: CommitFeed;
  private readonly nextLine = new Map<string, number>();

  constructor(
    private readonly pool: Pool,
    private readonly ws: string,
    start: number,
  ) {
    this.feed = new CommitFeed((since, limit) => this.readSince(since, { limit }), start);
  }

  async append(events: SSEEvent[]): Promise<StoredEvent[]> {
    if (!events.length) return [];
    const stored = events as StoredEvent[];
    let previous = 0;
    try {
      await transaction(this.pool, async (client) => {
        const { rows } = await client.query<{ value: string }>(
          "UPDATE stax_counters SET value = value + $1 WHERE key = 'event_id' RETURNING value",
          [events.length],
        );
        const last = Number(rows[0].value);
        previous = last - events.length;
        let id = previous;
        for (const e of stored) e.id = ++id;
        const ev: { id: number[]; run: string[]; job: (string | null)[]; type: string[]; data: string[] } = {
          id: [],
          run: [],
          job: [],
          type: [],
          data: [],
        };
        const ch: {
          first: number[];
          last: number[];
          run: string[];
          job: string[];
          step: number[];
          line: number[];
          n: number[];
          lines: string[];
        } = { first: [], last: [], run: [], job: [], step: [], line: [], n: [], lines: [] };
        let chunk: LogEvent[] = [];
        const flushChunk = async () => {
          if (!chunk.length) return;
          const [a, z] = [chunk[0], chunk[chunk.length - 1]];
          const key = `${a.runId}\0${a.data.jobId}\0${a.data.stepNumber}`;
          let first = this.nextLine.get(key);
          if (first === undefined) {
            const r = await client.query<{ v: number }>(
              "SELECT COALESCE(MAX(first_line + n), 0)::int AS v FROM stax_log_chunks WHERE workspace = $1 AND run_id = $2 AND job_id = $3 AND step_number = $4",
              [this.ws, a.runId, a.data.jobId, a.data.stepNumber],
            );
            first = r.rows[0].v;
          }
          this.nextLine.set(key, first + chunk.length);
          (ch.first.push(a.id),
            ch.last.push(z.id),
            ch.run.push(a.runId),
            ch.job.push(a.data.jobId),
            ch.step.push(a.data.stepNumber),
            ch.line.push(first),
            ch.n.push(chunk.length));
          ch.lines.push(JSON.stringify(chunk.map((e) => e.data.line)));
          chunk = [];
        };
        for (const e of stored) {
          if (e.type === "step.log") {
            const prev = chunk[chunk.length - 1];
            if (
              prev &&
              (chunk.length >= CHUNK_LINES ||
                prev.runId !== e.runId ||
                prev.data.jobId !== e.data.jobId ||
                prev.data.stepNumber !== e.data.stepNumber)
            )
              await flushChunk();
            chunk.push(e);
          } else {
            await flushChunk();
            (ev.id.push(e.id),
              ev.run.push(e.runId),
              ev.job.push((e.data as { jobId?: string }).jobId ?? null),
              ev.type.push(e.type),
              ev.data.push(JSON.stringify(e.data)));
            if (e.type === "step.completed") this.nextLine.delete(`${e.runId}\0${e.data.jobId}\0${e.data.stepNumber}`);
          }
        }
        await flushChunk();
        if (ev.id.length) {
          await client.query(
            "INSERT INTO stax_events (id, workspace, run_id, job_id, type, data) SELECT id, $1, r, j, t, d FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[]) AS x(id, r, j, t, d)",
            [this.ws, ev.id, ev.run, ev.job, ev.type, ev.data],
          );
        }
        if (ch.first.length) {
          // The chunks' texts go as one parameter, one per line: JSON has no raw newline. As a text[]
          // the driver would escape every quote of every line, which cost a worker more than the rest
          // of a printing step's lines together.
          await client.query(
            // One time for the batch (its lines came within one tick of the step's process).
            "INSERT INTO stax_log_chunks (first_id, last_id, workspace, run_id, job_id, step_number, first_line, n, lines, written_at) SELECT f, l, $1, r, j, s, fl, n, ls, $10 FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::int[], $7::int[], $8::int[], string_to_array($9, chr(10))) AS x(f, l, r, j, s, fl, n, ls)",
            [this.ws, ch.first, ch.last, ch.run, ch.job, ch.step, ch.line, ch.n, ch.lines.join("\n"), Date.now()],
          );
        }
        await client.query("SELECT pg_notify($1, $2)", [CHANNEL, `${this.ws} ${last}`]);
      });
    } catch (err) {
      // Line counters may have moved for a batch that did not commit.
      this.nextLine.clear();
      throw err;
    }
    this.feed.committed(stored, previous);
    return stored;
  }

  async highWater(): Promise<number> {
    const { rows } = await this.pool.query<{ value: string }>("SELECT value FROM stax_counters WHERE key = 'event_id'");
    return Number(rows[0].value);
  }

  delivered(): number {
    return this.feed.delivered;
  }

  onCommit(listener: (events: readonly StoredEvent[]) => void): void {
    this.feed.onCommit(listener);
  }

  async caughtUp(): Promise<void> {
    const target = await this.highWater();
    this.feed.notify(target);
    await this.feed.until(target);
  }

  async readSince(since: number, q: ReadQuery = {}): Promise<StoredEvent[]> {
    const limit = q.limit ?? 100_000;
    const args: unknown[] = [this.ws, since, limit];
    let filter = "";
    if (q.runId !== undefined) (args.push(q.runId), (filter += ` AND run_id = $${args.length}`));
    let eventFilter = filter;
    if (q.jobId !== undefined) {
      args.push(q.jobId);
      // One job: its step events, and the run's run.* and job.* events; its chunks only.
      eventFilter += ` AND (type NOT LIKE 'step.%' OR job_id = $${args.length})`;
      filter += ` AND job_id = $${args.length}`;
    }
    const events = (
      await this.pool.query<{ id: string; run_id: string; type: string; data: string }>(
        `SELECT id, run_id, type, data FROM stax_events WHERE workspace = $1 AND id > $2${eventFilter} ORDER BY id LIMIT $3`,
        args,
      )
    ).rows.map((r) => {
      const data = JSON.parse(r.data) as { jobId?: string; stepNumber?: number };
      return {
        id: Number(r.id),
        type: r.type,
        runId: r.run_id,
        data,
        ...(data.jobId !== undefined ? { jobId: data.jobId } : {}),
        ...(data.stepNumber !== undefined ? { stepNumber: data.stepNumber } : {}),
      } as StoredEvent;
    });
    if (q.noLogs) return events;
    const logs: StoredEvent[] = [];
    // Chunks in id order, only those the page needs: a chunk holds up to 1,000 lines, and the lines
    // each adds after `since` are counted in SQL, so no chunk is sent (and read again for the next
    // page) that this page leaves out. Up to 64 chunks a round trip, for steps printing slowly.
    let after = since;
    while (logs.length < limit) {
      const chunkArgs: unknown[] = [...args];
      chunkArgs[1] = after;
      chunkArgs[2] = limit - logs.length;
      const chunks = await this.pool.query<{
        first_id: string;
        last_id: string;
        run_id: string;
        job_id: string;
        step_number: number;
        lines: string;
        candidates: string;
      }>(
        `SELECT first_id, last_id, run_id, job_id, step_number, lines, candidates FROM (
           SELECT *, sum(last_id - GREATEST(first_id - 1, $2)) OVER (ORDER BY last_id) - (last_id - GREATEST(first_id - 1, $2)) AS before, count(*) OVER () AS candidates FROM (
             SELECT first_id, last_id, run_id, job_id, step_number, lines FROM stax_log_chunks WHERE workspace = $1 AND last_id > $2${filter} ORDER BY last_id LIMIT ${CHUNKS_PER_READ}) c) w
         WHERE before < $3 ORDER BY last_id`,
        chunkArgs,
      );
      for (const c of chunks.rows) {
        const first = Number(c.first_id);
        const lines = JSON.parse(c.lines) as string[];
        for (let i = Math.max(0, since + 1 - first); i < lines.length && logs.length < limit; i++) {
          logs.push({
            id: first + i,
            type: "step.log",
            runId: c.run_id,
            jobId: c.job_id,
            stepNumber: c.step_number,
            data: { runId: c.run_id, jobId: c.job_id, stepNumber: c.step_number, line: lines[i] },
          });
        }
        after = Number(c.last_id);
      }
      // Fewer chunks than asked for: there are no more.
      if (!chunks.rows.length || Number(chunks.rows[0].candidates) < CHUNKS_PER_READ) break;
    }
    // Only log lines (a step printing): they are in id order already.
    if (!events.length) return logs;
    return mergeById(events, logs, limit);
  }
}

/** The first `limit` events of two lists in id order, in id order. */
function mergeById(a: StoredEvent[], b: StoredEvent[], limit: number): StoredEvent[] {
  const out: StoredEvent[] = [];
  let i = 0;
  let j = 0;
  while (out.length < limit && (i < a.length || j < b.length))
    out.push(j >= b.length || (i < a.length && a[i].id < b[j].id) ? a[i++] : b[j++]);
  return out;
}
