import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { StaxError } from "../contract/index.js";
import type { Config } from "../config/config.js";
import {
  PgFleet,
  PgStore,
  SecretVault,
  emptyReport,
  openStore,
  rekeyLegs,
  rekeyStore,
  type RekeyReport,
} from "../store/index.js";
import { findRunner } from "./discovery.js";

const NEW_KEY = "STAX_NEW_SECRETS_KEY";

function said(r: RekeyReport, fingerprint: string): string {
  const lines = [
    `sealed again under the key with fingerprint ${fingerprint}: ${r.secrets} secret(s), ${r.requests} run request(s), ${r.legs} leg(s)`,
  ];
  if (r.unreadable.length) lines.push(`left as they were, since neither key opens them: ${r.unreadable.join(", ")}`);
  return lines.join("\n");
}

/** A base64 key of 32 bytes from the environment, refused when it is the key in use. */
function newKey(c: Config): string {
  const key = process.env[NEW_KEY];
  if (!key || Buffer.from(key, "base64").length !== 32)
    throw new StaxError(
      "CONFIG_INVALID",
      `${NEW_KEY} must hold the new key: base64 of 32 bytes (e.g. from \`openssl rand -base64 32\`)`,
    );
  if (key === c.secretsKey)
    throw new StaxError("CONFIG_INVALID", `${NEW_KEY} is the key in use (STAX_SECRETS_KEY): nothing to rotate`);
  return key;
}

/**
 * `stax secret rotate-key`. On many machines: every workspace of the database, from
 * STAX_SECRETS_KEY to STAX_NEW_SECRETS_KEY, then every process is restarted with the new key. On
 * one machine without STAX_SECRETS_KEY: a new key file, written once the store is sealed under it.
 */
export async function rotateKey(c: Config): Promise<string> {
  if (c.databaseUrl) {
    const to = newKey(c);
    const fleet = await PgFleet.connect(c.databaseUrl);
    const report = emptyReport();
    let fingerprint = "";
    try {
      for (const ws of new Set([...(await fleet.workspaces()), basename(c.dataDir)])) {
        const store = await PgStore.connect(c.databaseUrl, ws);
        try {
          const next = new SecretVault(store.secrets, c.dataDir, to);
          fingerprint = next.fingerprint;
          await rekeyStore(store, new SecretVault(store.secrets, c.dataDir, c.secretsKey), next, report);
          if (ws === basename(c.dataDir))
            await rekeyLegs(fleet, new SecretVault(store.secrets, c.dataDir, c.secretsKey), next, report);
        } finally {
          await store.close();
        }
      }
    } finally {
      await fleet.close();
    }
    return `${said(report, fingerprint)}\nnow set STAX_SECRETS_KEY to the new key on every front-end, worker and \`stax run\`, and restart them`;
  }
  if (await findRunner(c))
    throw new StaxError(
      "CONFIG_INVALID",
      "a runner serves this workspace and holds the key in use: stop it first (`stax runner stop`)",
    );
  const store = openStore(c.dataDir);
  try {
    if (c.secretsKey) {
      const to = newKey(c);
      const next = new SecretVault(store.secrets, c.dataDir, to);
      return `${said(await rekeyStore(store, new SecretVault(store.secrets, c.dataDir, c.secretsKey), next), next.fingerprint)}\nnow set STAX_SECRETS_KEY to the new key`;
    }
    // The new key is kept beside the old until the store is sealed under it: a rotation cut short
    // is finished by the next one, with the same two keys.
    const file = join(c.dataDir, "secrets.key");
    const pending = `${file}.new`;
    if (!existsSync(pending)) writeFileSync(pending, randomBytes(32).toString("hex"), { mode: 0o600 });
    const next = new SecretVault(
      store.secrets,
      c.dataDir,
      Buffer.from(readFileSync(pending, "utf8").trim(), "hex").toString("base64"),
    );
    const report = await rekeyStore(store, new SecretVault(store.secrets, c.dataDir), next);
    renameSync(pending, file);
    return said(report, next.fingerprint);
  } finally {
    await store.close();
  }
}
