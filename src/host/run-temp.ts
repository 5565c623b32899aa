/**
 * Run temp folders (RUNNER_TEMP, file-command files, step scripts: they hold secrets in plain
 * text) live in `<dataDir>/tmp/<runId>`, 0700, never in the shared /tmp. The engine removes a
 * run's folder when the run ends; the next start removes those a crash left.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = (dataDir: string) => join(dataDir, "tmp");

/** Creates the temp folder of a run (0700). */
export function makeRunTemp(dataDir: string, runId: string): string {
  mkdirSync(root(dataDir), { recursive: true, mode: 0o700 });
  const dir = join(root(dataDir), runId);
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

/** Removes the temp folders of runs no live process executes (`stillOwned`: as crash recovery decides). */
export async function removeStaleRunTemps(
  dataDir: string,
  stillOwned: (runId: string) => boolean | Promise<boolean>,
): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(root(dataDir));
  } catch {
    return;
  }
  for (const name of names)
    if (!(await stillOwned(name))) rmSync(join(root(dataDir), name), { recursive: true, force: true });
}
