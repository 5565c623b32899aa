/**
 * Replaces registered secrets with `***` in log lines (MASK-01..04). Values are trimmed; each
 * non-empty line of a multi-line value is registered too, and the base64 and JSON-escaped forms
 * (MASK-02). Longest values are replaced first so overlapping secrets are fully hidden.
 */
export class Masker {
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;
  private dirty = false;

  get size(): number {
    return this.values.size;
  }

  add(value: string): void {
    const v = value.trim();
    if (!v) return;
    const forms = [v, ...v.split(/\r?\n/).map((l) => l.trim()), Buffer.from(v).toString("base64").replace(/=+$/, ""), JSON.stringify(v).slice(1, -1)];
    for (const f of forms) {
      if (f && !this.values.has(f)) {
        this.values.add(f);
        this.dirty = true;
      }
    }
  }

  mask(line: string): string {
    if (this.values.size === 0) return line;
    if (this.dirty || !this.pattern) {
      const sorted = [...this.values].sort((a, b) => b.length - a.length);
      this.pattern = new RegExp(sorted.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
      this.dirty = false;
    }
    return line.replace(this.pattern, "***");
  }

  /** A masker that starts with this one's values (a job starts from the run's secrets). */
  clone(): Masker {
    const m = new Masker();
    for (const v of this.values) m.values.add(v);
    m.dirty = true;
    return m;
  }
}
