import { readdirSync, readFileSync } from "node:fs";

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
