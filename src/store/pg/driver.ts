import type pg from "pg";

/**
 * The PostgreSQL driver, loaded at the first connection: a command that uses no shared store
 * (`stax --help`, `stax run` on the embedded store) never loads it.
 */
export async function pgDriver(): Promise<typeof pg> {
  return (await import("pg")).default;
}
