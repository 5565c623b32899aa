import { displayText, type GroupMarker, type NumberedLine } from "../contract/index.js";

/** One stored chunk of a step's log: the index (0-based) of its first line, its line count, its lines as the stored JSON array. */
export interface ChunkRow {
  first: number;
  n: number;
  json: string;
  /** When the chunk was written (ms since the epoch); undefined for chunks of an older store. */
  t?: number;
}

/**
 * What the database may leave out of a chunk read: `needle` keeps chunks whose lowered JSON
 * holds it or that hold an ANSI escape; `markers` keeps chunks holding a line that starts `##[`.
 */
export interface ChunkFilter {
  needle?: string;
  markers?: boolean;
}

/** The chunks of one step from the one holding line index `from`, in line order, at most `batch`. */
export type ReadChunks = (from: number, batch: number, filter?: ChunkFilter) => Promise<ChunkRow[]>;

/** Chunks read per query: a chunk holds up to 1,000 lines, so memory stays bounded by a few batches. */
const BATCH = 16;

/** The step's chunks from line index `from`, a batch at a time (never the whole step at once). */
export async function* chunksFrom(
  read: ReadChunks,
  from: number,
  filter?: ChunkFilter,
  batch = BATCH,
): AsyncGenerator<ChunkRow> {
  for (;;) {
    const rows = await read(from, batch, filter);
    for (const r of rows) yield r;
    if (rows.length < batch) return;
    const last = rows[rows.length - 1];
    from = last.first + last.n;
  }
}

/** Lines `from` (0-based) on, at most `limit`, numbered from 1, each with its chunk's time when it has one. */
export async function readLines(read: ReadChunks, from: number, limit: number): Promise<NumberedLine[]> {
  const out: NumberedLine[] = [];
  if (limit <= 0) return out;
  // Live steps store small chunks: read as many as the page could need, up to a bound.
  for await (const c of chunksFrom(read, from, undefined, Math.min(64, Math.max(BATCH, Math.ceil(limit / 250))))) {
    const lines = JSON.parse(c.json) as string[];
    for (let i = Math.max(0, from - c.first); i < lines.length && out.length < limit; i++)
      out.push(
        c.t === undefined ? { n: c.first + i + 1, text: lines[i] } : { n: c.first + i + 1, text: lines[i], t: c.t },
      );
    if (out.length >= limit) break;
  }
  return out;
}

/**
 * The needle the database can pre-filter chunks with, or undefined when it cannot be exact:
 * printable ASCII only (SQL `lower` folds ASCII alone), as it appears inside the stored JSON.
 */
export function needleOf(query: string): string | undefined {
  if (!/^[\x20-\x7e]+$/.test(query)) return undefined;
  return JSON.stringify(query.toLowerCase()).slice(1, -1);
}

/**
 * Lines from line index `from` whose shown text (no marker, no ANSI) contains `query`, ignoring
 * case: the first `limit` of them, and how many there are in all. Chunks stream through.
 */
export async function searchLines(
  read: ReadChunks,
  query: string,
  from: number,
  limit: number,
): Promise<{ matches: NumberedLine[]; total: number }> {
  const q = query.toLowerCase();
  const matches: NumberedLine[] = [];
  let total = 0;
  for await (const c of chunksFrom(read, from, { needle: needleOf(query) })) {
    const lines = JSON.parse(c.json) as string[];
    for (let i = Math.max(0, from - c.first); i < lines.length; i++) {
      const line = lines[i];
      if (line.startsWith("##[endgroup]") || !displayText(line).toLowerCase().includes(q)) continue;
      total++;
      if (matches.length < limit) matches.push({ n: c.first + i + 1, text: line });
    }
  }
  return { matches, total };
}

/** Every `##[group]` / `##[endgroup]` line of a step, in order. */
export async function groupMarkers(read: ReadChunks): Promise<GroupMarker[]> {
  const out: GroupMarker[] = [];
  for await (const c of chunksFrom(read, 0, { markers: true })) {
    const lines = JSON.parse(c.json) as string[];
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].startsWith("##[group]")) out.push({ n: c.first + i + 1, kind: "group" });
      else if (lines[i].startsWith("##[endgroup]")) out.push({ n: c.first + i + 1, kind: "endgroup" });
    }
  }
  return out;
}

/** A step's text, one chunk at a time (a download streams it). */
export async function* stepText(read: ReadChunks): AsyncGenerator<string> {
  for await (const c of chunksFrom(read, 0)) yield (JSON.parse(c.json) as string[]).join("");
}
