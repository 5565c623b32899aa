import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SecretInfo } from "../contract/index.js";
import type { EncryptedSecret, SecretStore } from "./store.js";

/** Secret and artifact names: no path separators, no `..`, nothing absolute (README, Security). */
export const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function isSafeName(name: string): boolean {
  // `__proto__` would vanish into an object's prototype wherever names become keys.
  return SAFE_NAME.test(name) && !name.includes("..") && name !== "__proto__";
}

/** Stored secrets decrypted for a run; `unreadable` names those the key in use cannot decrypt. */
export interface SecretValues {
  values: Record<string, string>;
  unreadable: string[];
}

/** Sealed bytes as JSON-safe base64 strings. */
export interface Sealed {
  iv: string;
  tag: string;
  data: string;
}

/**
 * Secrets encrypted at rest with AES-256-GCM. The key is `STAX_SECRETS_KEY` — base64 of 32 bytes,
 * the same for every process that shares a store (any other string of 16+ characters is hashed
 * to 32 bytes, as before) — or else a random key generated once into `<dataDir>/secrets.key`
 * (mode 0600).
 */
export class SecretVault {
  private readonly key: Buffer;
  /** Which key is in use, for messages: never the key itself. */
  readonly keySource: string;

  constructor(
    private readonly store: SecretStore,
    dataDir: string,
    configuredKey?: string,
  ) {
    if (configuredKey) {
      const raw = Buffer.from(configuredKey, "base64");
      this.key =
        raw.length === 32 && raw.toString("base64").replace(/=+$/, "") === configuredKey.trim().replace(/=+$/, "")
          ? raw
          : createHash("sha256").update(configuredKey).digest();
      this.keySource = `STAX_SECRETS_KEY (fingerprint ${fingerprint(this.key)})`;
    } else {
      const file = join(dataDir, "secrets.key");
      if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
      this.key = Buffer.from(readFileSync(file, "utf8").trim(), "hex");
      this.keySource = `the key file ${file} (fingerprint ${fingerprint(this.key)})`;
    }
  }

  async set(name: string, value: string): Promise<void> {
    await this.store.put(this.encrypt(name, value));
  }

  /** Many secrets in one transaction (`stax secret import`). */
  async setMany(values: Record<string, string>): Promise<void> {
    await this.store.putMany(Object.entries(values).map(([n, v]) => this.encrypt(n, v)));
  }

  /** Every secret's value, for a run; a secret another key encrypted is named in `unreadable`. */
  async all(): Promise<SecretValues> {
    const out: SecretValues = { values: {}, unreadable: [] };
    for (const s of await this.store.list()) {
      const v = this.decrypt(s);
      if (v === undefined) out.unreadable.push(s.name);
      else out.values[s.name] = v;
    }
    return out;
  }

  /** Names (never values), each marked when the key in use cannot decrypt it. */
  async list(): Promise<SecretInfo[]> {
    return (await this.store.list()).map((s) => ({
      name: s.name,
      updatedAt: s.updatedAt,
      ...(this.decrypt(s) === undefined ? { unreadable: true } : {}),
    }));
  }

  /** Encrypts a map (a run's own secrets, kept with its request for re-runs). */
  seal(values: Record<string, string>): Sealed {
    const s = this.encrypt("", JSON.stringify(values));
    return { iv: s.iv.toString("base64"), tag: s.tag.toString("base64"), data: s.data.toString("base64") };
  }

  unseal(sealed: Sealed): Record<string, string> {
    const v = this.opens(sealed);
    if (v === undefined) throw new Error(`the run's own secrets do not decrypt with ${this.keySource}`);
    return JSON.parse(v) as Record<string, string>;
  }

  /** What `sealed` holds, if this vault's key opens it. */
  opens(sealed: Sealed): string | undefined {
    return this.decrypt({
      name: "",
      iv: Buffer.from(sealed.iv, "base64"),
      tag: Buffer.from(sealed.tag, "base64"),
      data: Buffer.from(sealed.data, "base64"),
      updatedAt: "",
    });
  }

  /** A stored secret's value, if this vault's key opens it. */
  opensSecret(secret: EncryptedSecret): string | undefined {
    return this.decrypt(secret);
  }

  /** A stored secret sealed again under this vault's key, its update time kept. */
  resealSecret(secret: EncryptedSecret, value: string): EncryptedSecret {
    return { ...this.encrypt(secret.name, value), updatedAt: secret.updatedAt };
  }

  /** The key's fingerprint (never the key). */
  get fingerprint(): string {
    return fingerprint(this.key);
  }

  private encrypt(name: string, value: string): EncryptedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const data = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
    return { name, iv, tag: cipher.getAuthTag(), data, updatedAt: new Date().toISOString() };
  }

  private decrypt(s: EncryptedSecret): string | undefined {
    try {
      const d = createDecipheriv("aes-256-gcm", this.key, s.iv);
      d.setAuthTag(s.tag);
      return Buffer.concat([d.update(s.data), d.final()]).toString("utf8");
    } catch {
      return undefined;
    }
  }
}

/** A short, non-reversible name of a key, so two processes can tell whether they share one. */
function fingerprint(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 8);
}
