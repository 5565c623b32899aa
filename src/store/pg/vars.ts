import type { Pool } from "pg";
import type { VarInfo } from "../../contract/index.js";
import type { VarStore } from "../store.js";

/** Repository variables of one workspace (CTX-08), plain text. */
export class PgVars implements VarStore {
  constructor(
    private readonly pool: Pool,
    private readonly ws: string,
  ) {}

  async put(name: string, value: string): Promise<void> {
    await this.pool.query(
      "INSERT INTO stax_vars (workspace, name, value, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (workspace, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
      [this.ws, name, value, new Date().toISOString()],
    );
  }

  async list(): Promise<VarInfo[]> {
    const { rows } = await this.pool.query<{ name: string; value: string; updated_at: string }>(
      "SELECT name, value, updated_at FROM stax_vars WHERE workspace = $1 ORDER BY name",
      [this.ws],
    );
    return rows.map((r) => ({ name: r.name, value: r.value, updatedAt: r.updated_at }));
  }

  async delete(name: string): Promise<boolean> {
    return (
      ((await this.pool.query("DELETE FROM stax_vars WHERE workspace = $1 AND name = $2", [this.ws, name])).rowCount ??
        0) > 0
    );
  }
}
