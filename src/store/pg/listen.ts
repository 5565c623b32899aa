import type pg from "pg";
import { pgDriver } from "./driver.js";

/**
 * A LISTEN connection that survives the database going away: on error or end it reconnects with
 * backoff (100 ms doubling to 5 s) and calls `onConnect` again, so the owner reads what it missed.
 */
export class Listener {
  private client: pg.Client | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly channels: string[],
    private readonly onNotify: (channel: string, payload: string) => void,
    private readonly onConnect: () => void | Promise<void>,
  ) {
    void this.connect(0);
  }

  private async connect(attempt: number): Promise<void> {
    if (this.closed) return;
    const client = new (await pgDriver()).Client({ connectionString: this.url });
    this.client = client;
    const retry = () => {
      if (this.client !== client || this.closed) return;
      this.client = undefined;
      client.end().catch(() => {});
      setTimeout(() => void this.connect(attempt + 1), Math.min(5000, 100 * 2 ** attempt)).unref();
    };
    client.on("error", retry);
    client.on("end", retry);
    client.on("notification", (n) => this.onNotify(n.channel, n.payload ?? ""));
    try {
      await client.connect();
      for (const c of this.channels) await client.query(`LISTEN ${c}`);
      attempt = 0;
      await this.onConnect();
    } catch {
      retry();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => {});
  }
}
