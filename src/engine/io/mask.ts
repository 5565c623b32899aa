/**
 * The masks one job may add with `::add-mask::` (stop-commands tokens count too): GitHub documents
 * no limit; stax bounds them so memory and the cost of masking each line stay
 * bounded. The size counts every form a mask registers (its lines, base64, JSON-escaped).
 */
export const MAX_MASKS = 10_000;
export const MAX_MASK_CHARS = 8 * 1024 * 1024;

/** Values held in one regular expression: compiling grows with its size, so a full group is compiled once and kept. */
const GROUP = 256;
/** Lines masked by plain search before the newest values get a regular expression of their own. */
const LINES_BEFORE_COMPILE = 64;

/**
 * Replaces registered secrets with `***` in log lines (MASK-01..04). Values are trimmed; each
 * non-empty line of a multi-line value is registered too, and the base64 and JSON-escaped forms
 * (MASK-02). Every character covered by any registered value is hidden: overlapping secrets are
 * fully hidden, longest first where they start at the same place.
 *
 * Values live in groups of GROUP, each with one regular expression compiled when it is full; the
 * newest values are found by plain search until LINES_BEFORE_COMPILE lines went by without a new
 * one. So a mask added before every line (100,000 of them) never recompiles a big expression.
 */
export class Masker {
  private readonly values = new Set<string>();
  private readonly groups: RegExp[] = [];
  private pending: string[] = [];
  private pendingPattern: RegExp | undefined;
  private linesSinceAdd = 0;
  private masks = 0;
  private chars = 0;

  get size(): number {
    return this.values.size;
  }

  /** A secret of the run (no limit: their number is bounded where they are read). */
  add(value: string): void {
    for (const f of forms(value)) this.register(f);
  }

  /**
   * `::add-mask::`: registered unless the job is at MAX_MASKS or MAX_MASK_CHARS; then nothing is
   * registered and the reason is returned, for the step to fail with.
   */
  addMask(value: string): string | undefined {
    // At the count limit nothing more is computed: a million refusals must stay cheap.
    if (this.masks >= MAX_MASKS) return this.refusal();
    const fresh = forms(value).filter((f) => !this.values.has(f));
    if (!fresh.length) return undefined;
    const chars = fresh.reduce((n, f) => n + f.length, 0);
    if (this.chars + chars > MAX_MASK_CHARS) return this.refusal();
    this.masks++;
    for (const f of fresh) this.register(f);
    return undefined;
  }

  private refusal(): string {
    return `Can't add secret mask: this job already has ${thousands(this.masks)} masks (${(this.chars / 1024 / 1024).toFixed(1)} MiB); stax's limit is ${thousands(MAX_MASKS)} masks or ${MAX_MASK_CHARS / 1024 / 1024} MiB per job. The value is not masked.`;
  }

  private register(form: string): void {
    if (this.values.has(form)) return;
    this.values.add(form);
    this.chars += form.length;
    this.pending.push(form);
    this.pendingPattern = undefined;
    this.linesSinceAdd = 0;
    if (this.pending.length >= GROUP) {
      this.groups.push(pattern(this.pending));
      this.pending = [];
    }
  }

  mask(line: string): string {
    if (this.values.size === 0) return line;
    const spans: [number, number][] = [];
    for (const re of this.groups) collect(re, line, spans);
    if (this.pending.length) {
      if (!this.pendingPattern && ++this.linesSinceAdd > LINES_BEFORE_COMPILE)
        this.pendingPattern = pattern(this.pending);
      if (this.pendingPattern) collect(this.pendingPattern, line, spans);
      else
        for (const v of this.pending)
          for (let at = line.indexOf(v); at >= 0; at = line.indexOf(v, at + v.length)) spans.push([at, at + v.length]);
    }
    if (!spans.length) return line;
    return hide(line, spans);
  }

  /** A masker that starts with this one's values (a job starts from the run's secrets). */
  clone(): Masker {
    const m = new Masker();
    for (const v of this.values) m.register(v);
    return m;
  }
}

/** MASK-02: the value trimmed, each of its lines, its base64 and its JSON-escaped forms. */
function forms(value: string): string[] {
  const v = value.trim();
  if (!v) return [];
  return [
    ...new Set([
      v,
      ...v.split(/\r?\n/).map((l) => l.trim()),
      Buffer.from(v).toString("base64").replace(/=+$/, ""),
      JSON.stringify(v).slice(1, -1),
    ]),
  ].filter(Boolean);
}

/** One expression for values, longest first so the longest of those starting at one place wins. */
function pattern(values: string[]): RegExp {
  const sorted = [...values].sort((a, b) => b.length - a.length);
  return new RegExp(sorted.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
}

function collect(re: RegExp, line: string, spans: [number, number][]): void {
  re.lastIndex = 0;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    spans.push([m.index, m.index + m[0].length]);
    if (m[0].length === 0) re.lastIndex++;
  }
}

/** The line with each run of overlapping covered characters replaced by `***` (adjacent secrets stay two). */
function hide(line: string, spans: [number, number][]): string {
  spans.sort((a, b) => a[0] - b[0]);
  let out = "";
  let pos = 0;
  for (let i = 0; i < spans.length;) {
    const start = spans[i][0];
    let end = spans[i][1];
    for (i++; i < spans.length && spans[i][0] < end; i++) end = Math.max(end, spans[i][1]);
    out += `${line.slice(pos, start)}***`;
    pos = end;
  }
  return out + line.slice(pos);
}

/** 10000 → "10,000", without Intl (slow when called a million times). */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
