import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Store } from "./store.js";

/** Secret and artifact names: no path separators, no `..`, nothing absolute (product.md, Security). */
export const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function isSafeName(name: string): boolean {
  // `__proto__` would vanish into an object's prototype wherever names become keys.
  return SAFE_NAME.test(name) && !name.includes("..") && name !== "__proto__";
}

/**
 * Secrets encrypted at rest with AES-256-GCM. The key is `STAX_SECRETS_KEY` (hashed to 32 bytes)
 * or a random key generated once into `<dataDir>/secrets.key` with mode 0600.
 */
export class SecretVault {
  private readonly key: Buffer;

  constructor(
    private readonly store: Store,
    dataDir: string,
    configuredKey?: string,
  ) {
    if (configuredKey) this.key = createHash("sha256").update(configuredKey).digest();
    else {
      const file = join(dataDir, "secrets.key");
      if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
      this.key = Buffer.from(readFileSync(file, "utf8").trim(), "hex");
    }
  }

  set(name: string, value: string): void {
    this.setMany([[name, value]]);
  }

  /** Several secrets at once, in one transaction. */
  setMany(entries: [string, string][]): void {
    const updatedAt = new Date().toISOString();
    this.store.putSecrets(
      entries.map(([name, value]) => {
        const iv = randomBytes(12);
        const cipher = createCipheriv("aes-256-gcm", this.key, iv);
        const data = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
        return { name, iv, tag: cipher.getAuthTag(), data, updatedAt };
      }),
    );
  }

  /** Every secret's value, for a run. A secret that no longer decrypts (other key) is skipped. */
  all(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const { name } of this.store.listSecrets()) {
      const s = this.store.getSecret(name);
      if (!s) continue;
      try {
        const d = createDecipheriv("aes-256-gcm", this.key, s.iv);
        d.setAuthTag(s.tag);
        out[name] = Buffer.concat([d.update(s.data), d.final()]).toString("utf8");
      } catch {
        // encrypted with another key: unusable, and never shown
      }
    }
    return out;
  }
}
