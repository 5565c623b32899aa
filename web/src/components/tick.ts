import { useEffect, useState } from "preact/hooks";

/** Re-renders every `ms` while `active` (live durations, relative times). */
export function useTick(ms: number, active = true): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms, active]);
  return now;
}
