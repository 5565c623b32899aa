import type { PgFleet } from "./pg/fleet.js";
import type { Sealed, SecretVault } from "./secrets.js";
import type { Store } from "./store.js";

/** What a rotation sealed again, and what neither key opened (left as it was). */
export interface RekeyReport {
  secrets: number;
  requests: number;
  legs: number;
  unreadable: string[];
}

export const emptyReport = (): RekeyReport => ({ secrets: 0, requests: 0, legs: 0, unreadable: [] });

/**
 * `sealed` sealed again under `to`'s key; undefined when `to` opens it already (a rotation cut
 * short is finished by running it again with the same two keys) or when `from` cannot open it
 * either (named in `report.unreadable`).
 */
function again(
  sealed: Sealed,
  from: SecretVault,
  to: SecretVault,
  what: string,
  report: RekeyReport,
): Sealed | undefined {
  if (to.opens(sealed) !== undefined) return undefined;
  const plain = from.opens(sealed);
  if (plain === undefined) return void report.unreadable.push(what);
  return to.seal(JSON.parse(plain) as Record<string, string>);
}

/** Seals a workspace's stored secrets and each run request's own secrets (kept for re-runs) again under `to`'s key. */
export async function rekeyStore(
  store: Store,
  from: SecretVault,
  to: SecretVault,
  report = emptyReport(),
): Promise<RekeyReport> {
  const secrets = [];
  for (const s of await store.secrets.list()) {
    if (to.opensSecret(s) !== undefined) continue;
    const value = from.opensSecret(s);
    if (value === undefined) report.unreadable.push(`secret ${s.name}`);
    else secrets.push(to.resealSecret(s, value));
  }
  await store.secrets.putMany(secrets);
  report.secrets += secrets.length;
  for (const runId of await store.queue.sealedRequests()) {
    const request = await store.queue.request(runId);
    const sealed =
      request?.sealedSecrets && again(request.sealedSecrets, from, to, `the request of run ${runId}`, report);
    if (!request || !sealed) continue;
    await store.queue.update(runId, { ...request, sealedSecrets: sealed });
    report.requests++;
  }
  return report;
}

/** Seals the secrets inside every leg of the shared store again under `to`'s key. */
export async function rekeyLegs(
  fleet: PgFleet,
  from: SecretVault,
  to: SecretVault,
  report = emptyReport(),
): Promise<RekeyReport> {
  report.legs += await fleet.rewriteSpecs((spec) => {
    const sealed = again(spec.sealedSecrets, from, to, `leg ${spec.job.id} of run ${spec.runId}`, report);
    return sealed && { ...spec, sealedSecrets: sealed };
  });
  return report;
}
