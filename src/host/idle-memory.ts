import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Heap in use (dead objects included until collected) under which an idle process is left alone. */
const FLOOR = 64 * 1024 * 1024;

let gc: (() => void) | undefined;

/**
 * A full garbage collection. Node offers one only behind `--expose-gc`: the flag is set in V8 here,
 * which gives new contexts a `gc` function, and the function is taken from one such context.
 */
function collect(): void {
  if (!gc) {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as () => void;
  }
  gc();
}

/**
 * Gives memory back while the process has nothing to do. V8 collects its old generation when that
 * fills, which a process that went idle never reaches: a runner that ran a step printing 1M lines
 * and served their log held ~500 MB while idle (its live heap: 18 MB), for as long as it stayed
 * idle, and ~120 MB after one full collection. Every `everyMs`, while `idle()`, the heap in use
 * (with the memory of buffers) is compared with what the last collection left: at more than twice
 * that, and over 64 MB, one full collection (25-50 ms with 20 MB live, on a loop with nothing else to do).
 * Returns the stop.
 */
export function collectWhenIdle(idle: () => boolean, everyMs = 5000): () => void {
  const used = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
  let left = used();
  const timer = setInterval(() => {
    if (!idle() || used() < Math.max(FLOOR, 2 * left)) return;
    collect();
    left = used();
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
