import { Readable } from "node:stream";
import type { Pool } from "pg";
import { transaction } from "./tx.js";
import { STATUSES, type ListRunsQuery, type WorkflowRun } from "../../contract/index.js";
import {
  runBlobPrefixes,
  type ArtifactRecord,
  type ArtifactRecords,
  type BlobStore,
  type Clock,
  type EncryptedSecret,
  type RunClaim,
  type RunQueue,
  type RunStore,
  type SecretStore,
  type StoredRunRequest,
} from "../store.js";

/** Bytes of one blob row. */
const BLOB_CHUNK = 1 << 20;

export class PgRuns implements RunStore {
  constructor(
    private readonly pool: Pool,
    private readonly ws: string,
    private readonly blobs: BlobStore,
  ) {}

  async nextNumber(): Promise<number> {
    // One statement: the row lock makes concurrent draws wait for each other.
    const { rows } = await this.pool.query<{ n: number }>(
      "INSERT INTO stax_run_numbers (workspace, n) VALUES ($1, 1) ON CONFLICT (workspace) DO UPDATE SET n = stax_run_numbers.n + 1 RETURNING n",
      [this.ws],
    );
    return rows[0].n;
  }

  async save(run: WorkflowRun): Promise<void> {
    await this.pool.query(
      "INSERT INTO stax_runs (workspace, id, number, workflow, status, conclusion, workflow_file, created_at, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (workspace, id) DO UPDATE SET status = excluded.status, conclusion = excluded.conclusion, data = excluded.data",
      [
        this.ws,
        run.id,
        run.number,
        run.workflow,
        run.status,
        run.conclusion ?? null,
        run.workflowFile,
        run.createdAt,
        JSON.stringify(run),
      ],
    );
  }

  async get(id: string): Promise<WorkflowRun | undefined> {
    return parse(
      (
        await this.pool.query<{ data: string }>("SELECT data FROM stax_runs WHERE workspace = $1 AND id = $2", [
          this.ws,
          id,
        ])
      ).rows[0],
    );
  }

  async list(q: ListRunsQuery): Promise<WorkflowRun[]> {
    const args: unknown[] = [this.ws];
    const where = ["workspace = $1"];
    if (q.status && (STATUSES as readonly string[]).includes(q.status))
      (args.push(q.status), where.push(`status = $${args.length}`));
    else if (q.status) (args.push(q.status), where.push(`status = 'completed' AND conclusion = $${args.length}`));
    if (q.workflow)
      (args.push(q.workflow, `%${q.workflow}%`),
        where.push(`(workflow = $${args.length - 1} OR workflow_file LIKE $${args.length})`));
    if (q.before) (args.push(q.before), where.push(`number < $${args.length}`));
    args.push(q.limit ?? 50);
    const { rows } = await this.pool.query<{ data: string }>(
      `SELECT data FROM stax_runs WHERE ${where.join(" AND ")} ORDER BY number DESC LIMIT $${args.length}`,
      args,
    );
    return rows.map((r) => JSON.parse(r.data) as WorkflowRun);
  }

  async find(ref: string): Promise<WorkflowRun | "ambiguous" | undefined> {
    if (ref === "last") return (await this.list({ limit: 1 }))[0];
    const exact = await this.get(ref);
    if (exact) return exact;
    if (/^\d+$/.test(ref) && Number(ref) < 2 ** 31) {
      const byNumber = parse(
        (
          await this.pool.query<{ data: string }>("SELECT data FROM stax_runs WHERE workspace = $1 AND number = $2", [
            this.ws,
            Number(ref),
          ])
        ).rows[0],
      );
      if (byNumber) return byNumber;
    }
    if (!/^[0-9a-f]+$/i.test(ref)) return undefined;
    const { rows } = await this.pool.query<{ data: string }>(
      "SELECT data FROM stax_runs WHERE workspace = $1 AND id LIKE $2 LIMIT 2",
      [this.ws, `${ref.toLowerCase()}%`],
    );
    return rows.length > 1 ? "ambiguous" : parse(rows[0]);
  }

  async delete(id: string): Promise<void> {
    await transaction(this.pool, async (client) => {
      for (const t of ["stax_events", "stax_log_chunks", "stax_artifacts", "stax_run_requests"])
        await client.query(`DELETE FROM ${t} WHERE workspace = $1 AND run_id = $2`, [this.ws, id]);
      await client.query("DELETE FROM stax_runs WHERE workspace = $1 AND id = $2", [this.ws, id]);
    });
    for (const prefix of runBlobPrefixes(id)) await this.blobs.deletePrefix(prefix);
  }

  async unfinished(): Promise<WorkflowRun[]> {
    return (
      await this.pool.query<{ data: string }>(
        "SELECT data FROM stax_runs WHERE workspace = $1 AND status <> 'completed'",
        [this.ws],
      )
    ).rows.map((r) => JSON.parse(r.data) as WorkflowRun);
  }

  async expired(maxRuns: number, maxAgeDays: number, now: Date): Promise<string[]> {
    const ids = new Set<string>();
    if (maxRuns > 0)
      for (const r of (
        await this.pool.query<{ id: string }>(
          "SELECT id FROM stax_runs WHERE workspace = $1 AND status = 'completed' ORDER BY number DESC OFFSET $2",
          [this.ws, maxRuns],
        )
      ).rows)
        ids.add(r.id);
    if (maxAgeDays > 0) {
      const cutoff = new Date(now.getTime() - maxAgeDays * 86_400_000).toISOString();
      for (const r of (
        await this.pool.query<{ id: string }>(
          "SELECT id FROM stax_runs WHERE workspace = $1 AND status = 'completed' AND created_at < $2",
          [this.ws, cutoff],
        )
      ).rows)
        ids.add(r.id);
    }
    return [...ids];
  }
}

const parse = (row: { data: string } | undefined): WorkflowRun | undefined =>
  row ? (JSON.parse(row.data) as WorkflowRun) : undefined;

export class PgSecrets implements SecretStore {
  constructor(
    private readonly pool: Pool,
    private readonly ws: string,
  ) {}

  async put(s: EncryptedSecret): Promise<void> {
    await this.putMany([s]);
  }

  async putMany(list: EncryptedSecret[]): Promise<void> {
    if (!list.length) return;
    await this.pool.query(
      "INSERT INTO stax_secrets (workspace, name, iv, tag, data, updated_at) SELECT $1, n, iv, tag, d, u FROM unnest($2::text[], $3::bytea[], $4::bytea[], $5::bytea[], $6::text[]) AS x(n, iv, tag, d, u) ON CONFLICT (workspace, name) DO UPDATE SET iv = excluded.iv, tag = excluded.tag, data = excluded.data, updated_at = excluded.updated_at",
      [
        this.ws,
        list.map((s) => s.name),
        list.map((s) => s.iv),
        list.map((s) => s.tag),
        list.map((s) => s.data),
        list.map((s) => s.updatedAt),
      ],
    );
  }

  async get(name: string): Promise<EncryptedSecret | undefined> {
    return (await this.list()).find((s) => s.name === name);
  }

  async list(): Promise<EncryptedSecret[]> {
    const { rows } = await this.pool.query<{ name: string; iv: Buffer; tag: Buffer; data: Buffer; updated_at: string }>(
      "SELECT name, iv, tag, data, updated_at FROM stax_secrets WHERE workspace = $1 ORDER BY name",
      [this.ws],
    );
    return rows.map((r) => ({ name: r.name, iv: r.iv, tag: r.tag, data: r.data, updatedAt: r.updated_at }));
  }

  async delete(name: string): Promise<boolean> {
    return (
      ((await this.pool.query("DELETE FROM stax_secrets WHERE workspace = $1 AND name = $2", [this.ws, name]))
        .rowCount ?? 0) > 0
    );
  }
}

export class PgArtifacts implements ArtifactRecords {
  constructor(
    private readonly pool: Pool,
    private readonly ws: string,
  ) {}

  async add(a: ArtifactRecord): Promise<void> {
    await this.pool.query(
      "INSERT INTO stax_artifacts (workspace, id, run_id, name, size, mime_type, created_at, files, is_dir) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (workspace, id) DO UPDATE SET size = excluded.size, files = excluded.files",
      [this.ws, a.id, a.runId, a.name, a.size, a.mimeType, a.createdAt, JSON.stringify(a.files), a.isDirectory],
    );
  }

  async list(runId: string): Promise<ArtifactRecord[]> {
    const { rows } = await this.pool.query<{
      id: string;
      run_id: string;
      name: string;
      size: string;
      mime_type: string;
      created_at: string;
      files: string;
      is_dir: boolean;
    }>("SELECT * FROM stax_artifacts WHERE workspace = $1 AND run_id = $2 ORDER BY created_at, name", [this.ws, runId]);
    return rows.map((r) => ({
      id: r.id,
      runId: r.run_id,
      name: r.name,
      size: Number(r.size),
      mimeType: r.mime_type,
      createdAt: r.created_at,
      files: JSON.parse(r.files) as string[],
      isDirectory: r.is_dir,
    }));
  }
}

/** Blobs as rows of up to 1 MiB, so any host that reaches the database reads what another wrote. */
export class PgBlobs implements BlobStore {
  constructor(
    private readonly pool: Pool,
    private readonly ws: string,
  ) {}

  async put(key: string, body: Readable | Buffer): Promise<number> {
    let size = 0;
    await transaction(this.pool, async (client) => {
      await client.query("DELETE FROM stax_blobs WHERE workspace = $1 AND key = $2", [this.ws, key]);
      let seq = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const write = async (force: boolean) => {
        while (pendingBytes >= BLOB_CHUNK || (force && pendingBytes > 0)) {
          const all = Buffer.concat(pending);
          const part = all.subarray(0, BLOB_CHUNK);
          pending = [all.subarray(part.length)];
          pendingBytes = all.length - part.length;
          await client.query("INSERT INTO stax_blobs (workspace, key, seq, data) VALUES ($1, $2, $3, $4)", [
            this.ws,
            key,
            seq++,
            part,
          ]);
        }
      };
      for await (const chunk of Buffer.isBuffer(body) ? [body] : body) {
        const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
        pending.push(b);
        pendingBytes += b.length;
        size += b.length;
        await write(false);
      }
      await write(true);
      if (seq === 0)
        await client.query("INSERT INTO stax_blobs (workspace, key, seq, data) VALUES ($1, $2, 0, '')", [this.ws, key]);
    });
    return size;
  }

  async get(key: string): Promise<Readable | undefined> {
    // The first row and the number of rows in one round trip: a small blob (a run's source bundle on a leg's way to its first step) takes one.
    const { pool, ws } = this;
    const { rows } = await pool.query<{ data: Buffer; parts: number }>(
      "SELECT data, (SELECT count(*) FROM stax_blobs WHERE workspace = $1 AND key = $2)::int AS parts FROM stax_blobs WHERE workspace = $1 AND key = $2 AND seq = 0",
      [ws, key],
    );
    if (!rows.length) return undefined;
    const { data, parts } = rows[0];
    return Readable.from(
      (async function* () {
        yield data;
        for (let seq = 1; seq < parts; seq++) {
          const { rows } = await pool.query<{ data: Buffer }>(
            "SELECT data FROM stax_blobs WHERE workspace = $1 AND key = $2 AND seq = $3",
            [ws, key, seq],
          );
          if (!rows.length) return;
          yield rows[0].data;
        }
      })(),
    );
  }

  async size(key: string): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ n: string | null; c: string }>(
      "SELECT SUM(length(data)) AS n, COUNT(*) AS c FROM stax_blobs WHERE workspace = $1 AND key = $2",
      [this.ws, key],
    );
    return Number(rows[0].c) ? Number(rows[0].n ?? 0) : undefined;
  }

  async list(prefix: string): Promise<{ key: string; size: number }[]> {
    const { rows } = await this.pool.query<{ key: string; n: string }>(
      "SELECT key, SUM(length(data)) AS n FROM stax_blobs WHERE workspace = $1 AND starts_with(key, $2) GROUP BY key ORDER BY key",
      [this.ws, prefix],
    );
    return rows.map((r) => ({ key: r.key, size: Number(r.n) }));
  }

  async deletePrefix(prefix: string): Promise<void> {
    await this.pool.query("DELETE FROM stax_blobs WHERE workspace = $1 AND starts_with(key, $2)", [this.ws, prefix]);
  }
}

/** Run requests in PostgreSQL; leases are read on the front-ends' clock (`Clock`), as in SQLite. */
export class PgQueue implements RunQueue {
  constructor(
    private readonly pool: Pool,
    private readonly ws: string,
    private readonly now: Clock = Date.now,
  ) {}

  async enqueue(runId: string, request: StoredRunRequest): Promise<void> {
    await this.pool.query(
      "INSERT INTO stax_run_requests (workspace, run_id, request, created_at) VALUES ($1, $2, $3, $4)",
      [this.ws, runId, JSON.stringify(request), this.now()],
    );
  }

  async claim(owner: string, leaseMs: number, runId?: string): Promise<RunClaim | undefined> {
    // SKIP LOCKED: claimers never wait on each other, and one request goes to one of them.
    const now = this.now();
    const { rows } = await this.pool.query<{ run_id: string; request: string }>(
      `UPDATE stax_run_requests SET owner = $2, lease_until = $3 WHERE (workspace, run_id) = (
         SELECT workspace, run_id FROM stax_run_requests WHERE workspace = $1 AND NOT done AND (owner IS NULL OR lease_until < $4 OR owner = $2)
         ${runId ? "AND run_id = $5" : ""} ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING run_id, request`,
      runId ? [this.ws, owner, now + leaseMs, now, runId] : [this.ws, owner, now + leaseMs, now],
    );
    return rows[0] ? { runId: rows[0].run_id, request: JSON.parse(rows[0].request) as StoredRunRequest } : undefined;
  }

  async heartbeat(runId: string, owner: string, leaseMs: number): Promise<boolean> {
    return (
      ((
        await this.pool.query(
          "UPDATE stax_run_requests SET lease_until = $4 WHERE workspace = $1 AND run_id = $2 AND owner = $3 AND NOT done",
          [this.ws, runId, owner, this.now() + leaseMs],
        )
      ).rowCount ?? 0) > 0
    );
  }

  async update(runId: string, request: StoredRunRequest): Promise<void> {
    await this.pool.query("UPDATE stax_run_requests SET request = $3 WHERE workspace = $1 AND run_id = $2", [
      this.ws,
      runId,
      JSON.stringify(request),
    ]);
  }

  async complete(runId: string): Promise<void> {
    await this.pool.query(
      "UPDATE stax_run_requests SET done = true, owner = NULL, lease_until = NULL WHERE workspace = $1 AND run_id = $2",
      [this.ws, runId],
    );
  }

  async request(runId: string): Promise<StoredRunRequest | undefined> {
    const { rows } = await this.pool.query<{ request: string }>(
      "SELECT request FROM stax_run_requests WHERE workspace = $1 AND run_id = $2",
      [this.ws, runId],
    );
    return rows[0] ? (JSON.parse(rows[0].request) as StoredRunRequest) : undefined;
  }

  async cancelledFor(owner: string): Promise<string[]> {
    return (
      await this.pool.query<{ run_id: string }>(
        "SELECT run_id FROM stax_run_requests WHERE workspace = $1 AND owner = $2 AND cancel AND NOT done",
        [this.ws, owner],
      )
    ).rows.map((r) => r.run_id);
  }

  async owner(runId: string, now: Date): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ owner: string }>(
      "SELECT owner FROM stax_run_requests WHERE workspace = $1 AND run_id = $2 AND NOT done AND lease_until >= $3",
      [this.ws, runId, now.getTime()],
    );
    return rows[0]?.owner ?? undefined;
  }

  async requestCancel(runId: string): Promise<void> {
    await this.pool.query("UPDATE stax_run_requests SET cancel = true WHERE workspace = $1 AND run_id = $2", [
      this.ws,
      runId,
    ]);
  }

  async cancelRequested(runId: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ cancel: boolean }>(
      "SELECT cancel FROM stax_run_requests WHERE workspace = $1 AND run_id = $2",
      [this.ws, runId],
    );
    return rows[0]?.cancel === true;
  }

  async sealedRequests(): Promise<string[]> {
    const { rows } = await this.pool.query<{ run_id: string }>(
      "SELECT run_id FROM stax_run_requests WHERE workspace = $1 AND request LIKE '%\"sealedSecrets\"%'",
      [this.ws],
    );
    return rows.map((r) => r.run_id);
  }
}
