/** The durable store behind its interfaces, with the SQLite implementation. */
import { accessSync, chmodSync, closeSync, constants, existsSync, mkdirSync, openSync } from "node:fs";
import { basename, join } from "node:path";
import { StaxError } from "../contract/index.js";
import { sqliteCode } from "./sqlite-db.js";
import { SqliteStore } from "./sqlite-store.js";
import { PgStore } from "./pg/pg-store.js";
import type { Store, StoreOptions } from "./store.js";

export type * from "./store.js";
export { artifactPrefix, sourceKey, runBlobPrefixes } from "./store.js";
export { PgFleet, type ClaimedLeg } from "./pg/fleet.js";
export { SecretVault, isSafeName, type SecretValues, type Sealed } from "./secrets.js";
export { isVarName, storedVars } from "./vars.js";
export { recoverInterrupted, INTERRUPTED_LINE } from "./recover.js";
export { StoreRecorder, retrying } from "./recorder.js";
export { withStoredEvents } from "./fold.js";
export { CommitFeed } from "./commit-feed.js";
export { claimRun, runOwnedElsewhere, ownerName, ownerMayLive, runStillOwned } from "./owners.js";

/**
 * Opens (creating if needed) the embedded store of a workspace's data folder; its workspace key
 * is the folder's name. A store that cannot be opened is one StaxError naming the file and the
 * cause (corrupt, locked beyond the timeout, no permission), never a stack trace.
 */
export function openStore(dataDir: string, opts: StoreOptions = {}): Store {
  const file = join(dataDir, "stax.db");
  try {
    // Logs, artifacts and secrets are readable by no other local user, whatever the umask: the
    // folder is 0700 and the database 0600 (SQLite creates its -wal and -shm files with the
    // database's mode).
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    accessSync(dataDir, constants.W_OK);
    chmodSync(dataDir, 0o700);
    closeSync(openSync(file, "a", 0o600));
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
    return new SqliteStore(file, basename(dataDir), dataDir, opts);
  } catch (err) {
    const e = err as Error;
    const code = sqliteCode(err);
    const cause =
      code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT"
        ? "it is not a valid SQLite database (corrupt?)"
        : code === "SQLITE_BUSY" || code === "SQLITE_LOCKED"
          ? "it stayed locked by another process beyond 5 s"
          : code === "EACCES" || code === "EPERM" || code === "SQLITE_READONLY" || code === "SQLITE_CANTOPEN"
            ? `no permission to write there (${e.message})`
            : e.message;
    throw new StaxError("STORE_UNAVAILABLE", `cannot open the store ${file}: ${cause}`);
  }
}
export { runLogText } from "./log-text.js";
export { PgStore, redactUrl } from "./pg/pg-store.js";
export { grantWorker, workerGrants } from "./pg/roles.js";
export { emptyReport, rekeyLegs, rekeyStore, type RekeyReport } from "./rekey.js";

/**
 * The store a configuration names: PostgreSQL when `databaseUrl` is set (the workspace key is the
 * data folder's name, as in SQLite), else the embedded store of the data folder.
 */
export async function connectStore(c: { dataDir: string; databaseUrl?: string; poolSize?: number }): Promise<Store> {
  return c.databaseUrl
    ? PgStore.connect(c.databaseUrl, basename(c.dataDir), { poolSize: c.poolSize })
    : openStore(c.dataDir);
}
