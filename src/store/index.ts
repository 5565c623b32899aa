/** The durable store behind an interface, with the SQLite implementation. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { SqliteStore } from "./sqlite-store.js";
import type { Store } from "./store.js";

export type { Store, LogLine, ArtifactRecord, EncryptedSecret } from "./store.js";
export { SecretVault, isSafeName } from "./secrets.js";
export { isVarName, storedVars } from "./vars.js";
export { recoverInterrupted, INTERRUPTED_LINE } from "./recover.js";
export { StoreRecorder } from "./recorder.js";

/** Opens (creating if needed) the store of a workspace's data folder. */
export function openStore(dataDir: string): Store {
  mkdirSync(dataDir, { recursive: true });
  return new SqliteStore(join(dataDir, "stax.db"));
}
export { claimRun, runOwnedElsewhere } from "./owners.js";
