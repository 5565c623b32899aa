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
 * Buffer. The hot path, one frame per log line: the text common to the lines of one step is
 * made once, and the frames are written into one buffer rather than joined into one string
 * (whose flattening and encoding cost several times more).
 */
export function encodeFrames(batch: readonly StoredEvent[], keep?: (e: StoredEvent) => boolean): Buffer {
  let at = 0;
  // Frames go into the buffer a few dozen at a time: fewer calls into the encoder than one per
  // frame, and the strings joined meanwhile stay short.
  let text = "";
  let frames = 0;
  const put = (): void => {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (at + text.length * 3 > scratch.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * scratch.length, at + text.length * 3));
      grown.set(scratch.subarray(0, at));
      scratch = grown;
    }
    at += scratch.write(text, at);
    text = "";
    frames = 0;
  };
  let step: { runId: string; jobId: string; stepNumber: number } | undefined;
  let prefix = "";
  for (const e of batch) {
    if (keep && !keep(e)) continue;
    if (e.type === "step.log") {
      const d = e.data;
      if (!step || step.runId !== d.runId || step.jobId !== d.jobId || step.stepNumber !== d.stepNumber) (step = d), (prefix = logPrefix(d));
      text += "id: " + e.id + prefix + JSON.stringify(d.line) + "}\n\n";
    } else text += frame(e);
    if (++frames === 32) put();
  }
  if (text) put();
  // Neither Buffer.from(scratch.subarray(…)), which zero-fills a new buffer before copying into it,
  // nor scratch.copy(…), several times slower than a typed array's set on Node 20.
  const out = Buffer.allocUnsafe(at);
  out.set(scratch.subarray(0, at));
  // A batch with one huge line does not keep its scratch space for good.
  if (scratch.length > SCRATCH_KEPT) scratch = Buffer.allocUnsafe(1 << 20);
  return out;
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
