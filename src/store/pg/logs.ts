import type { Pool } from "pg";
import type { NumberedLine, StepGroupsResponse, StepLinesResponse, StepSearchResponse } from "../../contract/index.js";
import { groupMarkers, readLines, searchLines, stepText, type ChunkFilter, type ReadChunks } from "../log-scan.js";
import type { LogLine, LogStore } from "../store.js";

const STEP = "workspace = $1 AND run_id = $2 AND job_id = $3 AND step_number = $4";

/** Step logs in PostgreSQL: the chunks the event log wrote, read through the step index a batch at a time. */
export class PgLogs implements LogStore {
  constructor(
    private readonly pool: Pool,
    private readonly ws: string,
  ) {}

  async lines(runId: string, jobId: string, stepNumber: number, from: number, limit: number): Promise<NumberedLine[]> {
    return readLines(this.chunkReader(runId, jobId, stepNumber), from, limit);
  }

  async count(runId: string, jobId: string, stepNumber: number): Promise<number> {
    // Chunks of a step are contiguous: the last one ends where the step does.
    const { rows } = await this.pool.query<{ v: number }>(
      `SELECT first_line + n AS v FROM stax_log_chunks WHERE ${STEP} ORDER BY first_line DESC LIMIT 1`,
      [this.ws, runId, jobId, stepNumber],
    );
    return rows[0]?.v ?? 0;
  }

  async page(
    runId: string,
    jobId: string,
    stepNumber: number,
    from: number,
    limit: number,
  ): Promise<StepLinesResponse> {
    const lines = await this.lines(runId, jobId, stepNumber, from, limit);
    return { lines, ...(await this.countAt(runId, jobId, stepNumber)) };
  }

  async search(
    runId: string,
    jobId: string,
    stepNumber: number,
    query: string,
    from: number,
    limit: number,
  ): Promise<StepSearchResponse> {
    return searchLines(this.chunkReader(runId, jobId, stepNumber), query, from, limit);
  }

  async groups(runId: string, jobId: string, stepNumber: number): Promise<StepGroupsResponse> {
    const at = await this.countAt(runId, jobId, stepNumber);
    return { markers: await groupMarkers(this.chunkReader(runId, jobId, stepNumber)), ...at };
  }

  text(runId: string, jobId: string, stepNumber: number): AsyncIterable<string> {
    return stepText(this.chunkReader(runId, jobId, stepNumber));
  }

  async all(runId: string, jobId?: string, stepNumber?: number): Promise<LogLine[]> {
    const args: unknown[] = [this.ws, runId];
    let sql = "SELECT job_id, step_number, lines, written_at FROM stax_log_chunks WHERE workspace = $1 AND run_id = $2";
    if (jobId !== undefined) (args.push(jobId), (sql += ` AND job_id = $${args.length}`));
    if (stepNumber !== undefined) (args.push(stepNumber), (sql += ` AND step_number = $${args.length}`));
    const out: LogLine[] = [];
    for (const c of (
      await this.pool.query<{ job_id: string; step_number: number; lines: string; written_at: string | null }>(
        `${sql} ORDER BY first_id`,
        args,
      )
    ).rows) {
      const t = c.written_at === null ? undefined : Number(c.written_at);
      for (const line of JSON.parse(c.lines) as string[])
        out.push(
          t === undefined
            ? { jobId: c.job_id, stepNumber: c.step_number, line }
            : { jobId: c.job_id, stepNumber: c.step_number, line, t },
        );
    }
    return out;
  }

  /**
   * The step's line count and the newest event id in one snapshot: a batch takes the counter's
   * row lock and commits its chunks with it, so a REPEATABLE READ snapshot sees both or neither.
   */
  private async countAt(
    runId: string,
    jobId: string,
    stepNumber: number,
  ): Promise<{ total: number; lastEventId: number }> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      const counter = await client.query<{ value: string }>("SELECT value FROM stax_counters WHERE key = 'event_id'");
      const last = await client.query<{ v: number }>(
        `SELECT first_line + n AS v FROM stax_log_chunks WHERE ${STEP} ORDER BY first_line DESC LIMIT 1`,
        [this.ws, runId, jobId, stepNumber],
      );
      await client.query("COMMIT");
      return { total: last.rows[0]?.v ?? 0, lastEventId: Number(counter.rows[0].value) };
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  private chunkReader(runId: string, jobId: string, stepNumber: number): ReadChunks {
    return async (from: number, batch: number, filter?: ChunkFilter) => {
      const args: unknown[] = [this.ws, runId, jobId, stepNumber, from, batch];
      let sql = `SELECT first_line, n, lines, written_at FROM stax_log_chunks WHERE ${STEP} AND first_line >= COALESCE((SELECT first_line FROM stax_log_chunks WHERE ${STEP} AND first_line <= $5 ORDER BY first_line DESC LIMIT 1), 0)`;
      if (filter?.needle !== undefined)
        (args.push(filter.needle, "\\u001b"),
          (sql += ` AND (strpos(lower(lines), $${args.length - 1}) > 0 OR strpos(lines, $${args.length}) > 0)`));
      if (filter?.markers) (args.push('"##['), (sql += ` AND strpos(lines, $${args.length}) > 0`));
      // A bigint comes back as a string from the driver.
      const { rows } = await this.pool.query<{
        first_line: number;
        n: number;
        lines: string;
        written_at: string | null;
      }>(`${sql} ORDER BY first_line LIMIT $6`, args);
      return rows.map((r) => ({
        first: r.first_line,
        n: r.n,
        json: r.lines,
        t: r.written_at === null ? undefined : Number(r.written_at),
      }));
    };
  }
}
