/** The durable store behind an interface, with the SQLite implementation. */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { SqliteStore } from "./sqlite-store.js";
import type { Store } from "./store.js";

export type { Store, LogLine, ArtifactRecord, EncryptedSecret } from "./store.js";
export { SecretVault, isSafeName } from "./secrets.js";
export { recoverInterrupted, INTERRUPTED_LINE } from "./recover.js";
export { StoreRecorder } from "./recorder.js";

/** Opens (creating if needed) the store of a workspace's data folder. */
export function openStore(dataDir: string): Store {
  // Logs, artifacts and secrets are readable by no other local user, whatever the umask: the folder
  // is 0700 and the database 0600 (SQLite creates its -wal and -shm files with the database's mode).
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const file = join(dataDir, "stax.db");
  closeSync(openSync(file, "a", 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
  return new SqliteStore(file);
}
export { claimRun, runOwnedElsewhere } from "./owners.js";
