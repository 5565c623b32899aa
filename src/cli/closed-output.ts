/**
 * A reader that goes away (`stax run … | head -1`) closes stax's stdout: the next write fails
 * with EPIPE. Unhandled, that crashed stax mid-run, leaving the run in progress forever, the
 * step's processes orphaned and temp folders behind. Instead the run is cancelled as by Ctrl-C
 * (steps stopped, `always()` and post steps run, the run recorded, everything cleaned up) and
 * further output is dropped.
 */
const callbacks = new Set<() => void>();
let closed = false;
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    // Kept for the life of the process: every later write to the closed stream errors again.
    stream.on("error", () => {
      if (closed) return;
      closed = true;
      if (stream === process.stdout && process.stderr.writable)
        process.stderr.write("stax: the output was closed; cancelling the run\n");
      for (const cb of callbacks) cb();
    });
  }
}

/** Calls `onClose` once if stdout or stderr gets closed by its reader; returns the unsubscribe. */
export function onOutputClosed(onClose: () => void): () => void {
  install();
  if (closed) onClose();
  callbacks.add(onClose);
  return () => callbacks.delete(onClose);
}
