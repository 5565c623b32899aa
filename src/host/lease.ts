import { errorMessage } from "../contract/index.js";
import type { Store } from "../store/index.js";

/** A run's lease in the run queue, kept by one process: its coordinator. */
export interface RunLease {
  store: Store;
  /** Who holds it (`ownerName`). */
  owner: string;
  /** How long it lasts without a heartbeat. */
  leaseMs: number;
}

export interface LeaseKeeper {
  /** False once a heartbeat found the lease taken: this process no longer coordinates the run. */
  held(): boolean;
  stop(): void;
}

/**
 * Heartbeats a run's lease every third of it. A heartbeat the store refuses means this process
 * stalled past its lease and another coordinator took the run over: `lost` is called once and the
 * beating stops, so two coordinators never write one run (the caller fences what it records).
 */
export function keepLease(
  lease: RunLease,
  runId: string,
  lost: () => void,
  onError?: (reason: string) => void,
): LeaseKeeper {
  let held = true;
  let stopped = false;
  const beat = (): void =>
    void lease.store.queue
      .heartbeat(runId, lease.owner, lease.leaseMs)
      .then((ok) => {
        if (ok || stopped || !held) return;
        held = false;
        clearInterval(timer);
        lost();
      })
      // The store is away: the next beat tries again, and the lease lapses only if none gets through.
      .catch((err) => onError?.(`heartbeat of run ${runId} failed: ${errorMessage(err)}`));
  const timer = setInterval(beat, lease.leaseMs / 3);
  beat();
  return {
    held: () => held,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
