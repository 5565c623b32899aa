/** Secrets: names only; add, replace and delete. Values are write-only. */
import type { SecretInfo } from "../../../src/contract/index.js";
import { api } from "../api.js";
import { NamedValues } from "../components/named-values.js";

export function SecretsPage() {
  return (
    <NamedValues<SecretInfo>
      title="Secrets"
      intro={
        <>
          Encrypted at rest and masked as <code>***</code> in every log. Values are never shown again.
        </>
      }
      noun="secret"
      hidden
      load={() => api.secrets()}
      put={(n, v) => api.putSecret(n, v)}
      remove={(n) => api.deleteSecret(n)}
      details={(s) =>
        s.unreadable ? (
          <span class="error" title="stored under another STAX_SECRETS_KEY: set it again">
            unreadable with the key in use
          </span>
        ) : null
      }
    />
  );
}
