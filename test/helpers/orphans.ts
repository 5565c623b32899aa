import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./temp.js";

/** Live (not zombie) processes whose environment holds `mark`: a killed, unreaped process reads an empty environment. */
export function marked(mark: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/environ`, "latin1").includes(`ORPHAN_MARK=${mark}\0`)) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

/** A step that leaves 150 sleeps behind: 50 plain, 50 in a new session (setsid), 50 double-forked into a new session. */
export const LEAVE_150 = `for i in $(seq 50); do sleep 120 & done
          for i in $(seq 50); do setsid sleep 120 & done
          for i in $(seq 50); do ( ( setsid sleep 120 & ) & ) ; done
          sleep 0.5`;

/**
 * A workspace whose workflow `file` has one job that leaves 150 processes behind (LEAVE_150), each
 * carrying `mark`, then touches `ready` and holds on: what a test stops mid-job.
 */
export function holdingWorkspace(file: string): { ws: string; mark: string; ready: string } {
  const mark = randomUUID();
  const ws = tempDir("stax-orphans-");
  const ready = join(ws, "ready");
  mkdirSync(join(ws, ".github", "workflows"), { recursive: true });
  writeFileSync(
    join(ws, ".github", "workflows", file),
    `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    env:\n      ORPHAN_MARK: ${mark}\n    steps:\n      - run: |\n          ${LEAVE_150}\n          touch "${ready}"\n          sleep 600\n`,
  );
  return { ws, mark, ready };
}
