import type { SqliteDb, Transaction } from "./sqlite-db.js";
import type { Clock, RunClaim, RunQueue, StoredRunRequest } from "./store.js";

type Row = Record<string, unknown>;

/** Run requests in SQLite; a claim is one IMMEDIATE transaction, so two processes never both win. */
export class SqliteQueue implements RunQueue {
  private readonly claimTx: Transaction<[owner: string, leaseMs: number, runId?: string], RunClaim | undefined>;

  constructor(
    private readonly db: SqliteDb,
    private readonly ws: string,
    private readonly now: Clock = Date.now,
  ) {
    this.claimTx = db.transaction((owner: string, leaseMs: number, runId?: string) => {
      const now = this.now();
      const row = (
        runId
          ? db
              .prepare(
                "SELECT run_id, request FROM run_requests WHERE workspace = ? AND run_id = ? AND done = 0 AND (owner IS NULL OR lease_until < ? OR owner = ?)",
              )
              .get(this.ws, runId, now, owner)
          : db
              .prepare(
                "SELECT run_id, request FROM run_requests WHERE workspace = ? AND done = 0 AND (owner IS NULL OR lease_until < ?) ORDER BY created_at LIMIT 1",
              )
              .get(this.ws, now)
      ) as Row | undefined;
      if (!row) return undefined;
      db.prepare("UPDATE run_requests SET owner = ?, lease_until = ? WHERE run_id = ?").run(
        owner,
        now + leaseMs,
        row.run_id as string,
      );
      return { runId: row.run_id as string, request: JSON.parse(row.request as string) as StoredRunRequest };
    });
  }

  async enqueue(runId: string, request: StoredRunRequest): Promise<void> {
    this.db
      .prepare("INSERT INTO run_requests (run_id, workspace, request, created_at) VALUES (?, ?, ?, ?)")
      .run(runId, this.ws, JSON.stringify(request), this.now());
  }

  async claim(owner: string, leaseMs: number, runId?: string): Promise<RunClaim | undefined> {
    return this.claimTx.immediate(owner, leaseMs, runId);
  }

  async heartbeat(runId: string, owner: string, leaseMs: number): Promise<boolean> {
    return (
      this.db
        .prepare("UPDATE run_requests SET lease_until = ? WHERE run_id = ? AND owner = ? AND done = 0")
        .run(this.now() + leaseMs, runId, owner).changes > 0
    );
  }

  async update(runId: string, request: StoredRunRequest): Promise<void> {
    this.db
      .prepare("UPDATE run_requests SET request = ? WHERE run_id = ? AND workspace = ?")
      .run(JSON.stringify(request), runId, this.ws);
  }

  async complete(runId: string): Promise<void> {
    this.db.prepare("UPDATE run_requests SET done = 1, owner = NULL, lease_until = NULL WHERE run_id = ?").run(runId);
  }

  async request(runId: string): Promise<StoredRunRequest | undefined> {
    const row = this.db
      .prepare("SELECT request FROM run_requests WHERE run_id = ? AND workspace = ?")
      .get(runId, this.ws) as Row | undefined;
    return row ? (JSON.parse(row.request as string) as StoredRunRequest) : undefined;
  }

  async cancelledFor(owner: string): Promise<string[]> {
    return (
      this.db
        .prepare("SELECT run_id FROM run_requests WHERE workspace = ? AND owner = ? AND cancel = 1 AND done = 0")
        .all(this.ws, owner) as Row[]
    ).map((r) => r.run_id as string);
  }

  async owner(runId: string, now: Date): Promise<string | undefined> {
    const row = this.db
      .prepare("SELECT owner FROM run_requests WHERE run_id = ? AND done = 0 AND lease_until >= ?")
      .get(runId, now.getTime()) as Row | undefined;
    return (row?.owner as string | null) ?? undefined;
  }

  async requestCancel(runId: string): Promise<void> {
    this.db.prepare("UPDATE run_requests SET cancel = 1 WHERE run_id = ? AND workspace = ?").run(runId, this.ws);
  }

  async cancelRequested(runId: string): Promise<boolean> {
    const row = this.db.prepare("SELECT cancel FROM run_requests WHERE run_id = ?").get(runId) as Row | undefined;
    return row?.cancel === 1;
  }

  async sealedRequests(): Promise<string[]> {
    return (
      this.db
        .prepare("SELECT run_id FROM run_requests WHERE workspace = ? AND request LIKE '%\"sealedSecrets\"%'")
        .all(this.ws) as Row[]
    ).map((r) => r.run_id as string);
  }
}
