import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** The event payload file (`GITHUB_EVENT_PATH`): in a 0700 folder, 0600 as every file of the run's temp folder. */
export function writeEventFile(path: string, payload: unknown): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, JSON.stringify(payload, null, 2), { mode: 0o600 });
}
