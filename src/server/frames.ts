import type { StoredEvent } from "../contract/index.js";

/** One SSE frame: `id`, `event` and `data` lines and a blank line (the wire format of docs/events.md). */
export function frame(e: StoredEvent): string {
  if (e.type === "step.log") return `id: ${e.id}${logPrefix(e.data)}${JSON.stringify(e.data.line)}}\n\n`;
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

/** A step.log frame after its id, up to its line: the same text as JSON.stringify(data) up to there. */
function logPrefix(d: { runId: string; jobId: string; stepNumber: number }): string {
  return `\nevent: step.log\ndata: {"runId":${JSON.stringify(d.runId)},"jobId":${JSON.stringify(d.jobId)},"stepNumber":${d.stepNumber},"line":`;
}

/** Reused by every `encodeFrames` (grown as needed): a batch's frames are copied out of it at their exact size. */
let scratch = Buffer.allocUnsafe(1 << 20);

/**
 * The frames of a batch (those `keep` accepts), byte for byte as `frame` writes them, as one
 * Buffer. The hot path, one frame per log line, writes its bytes straight into one buffer: the
 * id's digits one by one, the text common to the lines of one step copied from bytes made once
 * per step, the line's JSON encoded in place. A front-end streaming a step that prints fast
 * allocated some 340 bytes of strings per line when frames were joined as text, and spent a
 * third of its time collecting them. With `around`, the Buffer has that room around it (`withRoom`).
 */
export function encodeFrames(
  batch: readonly StoredEvent[],
  keep?: (e: StoredEvent) => boolean,
  around: { before: number; after: number } = NO_ROOM,
): Buffer {
  let at = 0;
  const room = (bytes: number): void => {
    if (at + bytes <= scratch.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * scratch.length, at + bytes));
    grown.set(scratch.subarray(0, at));
    scratch = grown;
  };
  let step: { runId: string; jobId: string; stepNumber: number } | undefined;
  let prefix = EMPTY;
  for (const e of batch) {
    if (keep && !keep(e)) continue;
    if (e.type === "step.log") {
      const d = e.data;
      if (!step || step.runId !== d.runId || step.jobId !== d.jobId || step.stepNumber !== d.stepNumber)
        ((step = d), (prefix = Buffer.from(logPrefix(d))));
      const line = d.line;
      // "id: ", at most 16 digits, the prefix, the line's JSON (UTF-8 takes at most 3 bytes per
      // UTF-16 unit, an escape at most 6 per unit: `\u001b`), its quotes, "}\n\n".
      room(20 + prefix.length + 6 * line.length + 5);
      scratch[at++] = 0x69; // i
      scratch[at++] = 0x64; // d
      scratch[at++] = 0x3a; // :
      scratch[at++] = 0x20; // space
      at = writeDigits(e.id, at);
      scratch.set(prefix, at);
      at += prefix.length;
      at = writeJsonString(line, at);
      scratch[at++] = 0x7d; // }
      scratch[at++] = 0x0a;
      scratch[at++] = 0x0a;
    } else {
      const text = frame(e);
      room(3 * text.length);
      at += scratch.write(text, at);
    }
  }
  // Neither Buffer.from(scratch.subarray(…)), which zero-fills a new buffer before copying into it,
  // nor scratch.copy(…), several times slower than a typed array's set on Node 20.
  const out = withRoom(at, around);
  out.set(scratch.subarray(0, at));
  // A batch with one huge line does not keep its scratch space for good.
  if (scratch.length > SCRATCH_KEPT) scratch = Buffer.allocUnsafe(1 << 20);
  return out;
}

const EMPTY = Buffer.alloc(0);
const NO_ROOM = { before: 0, after: 0 };

/**
 * A new buffer of `size` bytes inside an allocation of its own with `room.before` bytes before it
 * and `room.after` after it, which its owner may fill: a transport's framing written around the
 * frames without copying them (`src/server/sse-socket.ts`).
 */
export function withRoom(size: number, room: { before: number; after: number }): Buffer {
  if (room.before === 0 && room.after === 0) return Buffer.allocUnsafe(size);
  return Buffer.allocUnsafe(room.before + size + room.after).subarray(room.before, room.before + size);
}

/**
 * Writes `text` as a JSON string (JSON.stringify's bytes) into the scratch buffer at `at`; returns
 * the end. Printable ASCII and newlines, what most log lines are, are copied a byte at a time, with
 * no string made for the line's JSON; any other line is left to JSON.stringify.
 */
function writeJsonString(text: string, at: number): number {
  const start = at;
  scratch[at++] = 0x22;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) scratch[at++] = c;
    else if (c === 0x0a)
      ((scratch[at++] = 0x5c), (scratch[at++] = 0x6e)); // \n
    else return start + scratch.write(JSON.stringify(text), start);
  }
  scratch[at++] = 0x22;
  return at;
}

/** Writes a non-negative integer's decimal digits into the scratch buffer at `at`; returns the end. */
function writeDigits(n: number, at: number): number {
  let digits = 1;
  for (let p = 10; p <= n; p *= 10) digits++;
  const end = at + digits;
  for (let i = end - 1; i >= at; i--) {
    const d = n % 10;
    scratch[i] = 0x30 + d;
    n = (n - d) / 10;
  }
  return end;
}

const SCRATCH_KEPT = 16 * 1024 * 1024;

/**
 * The frames of `bytes` (whole frames in id order, as `encodeFrames` makes) after id `sent`, sharing
 * its memory. Frames end with a blank line, which no frame contains (JSON escapes newlines), so
 * frame starts are found by a binary search over the bytes.
 */
export function framesAfter(bytes: Buffer, sent: number): Buffer {
  // Every frame before `lo` has an id ≤ sent; `lo` and `hi` are frame starts (or the end), the frame at `hi` has an id > sent.
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = nextFrame(bytes, (lo + hi) >>> 1);
    if (mid < hi && mid > lo) {
      if (idAt(bytes, mid) > sent) hi = mid;
      else lo = mid;
    } else if (idAt(bytes, lo) > sent) hi = lo;
    else lo = nextFrame(bytes, lo);
  }
  return bytes.subarray(lo);
}

/** The start of the first frame that begins after `from`, or the end of `bytes`. */
function nextFrame(bytes: Buffer, from: number): number {
  const end = bytes.indexOf("\n\n", from);
  return end < 0 ? bytes.length : end + 2;
}

/** The id of the frame starting at `at` (`id: <digits>\n`). */
function idAt(bytes: Buffer, at: number): number {
  let id = 0;
  for (let i = at + 4; bytes[i] !== 10; i++) id = id * 10 + bytes[i] - 48;
  return id;
}
