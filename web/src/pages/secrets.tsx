/** Secrets: names only; add, replace and delete. Values are write-only. */
import { useEffect, useState } from "preact/hooks";
import type { SecretInfo } from "../../../src/contract/index.js";
import { api } from "../api.js";
import { relativeTime } from "../format.js";

export function SecretsPage() {
  const [list, setList] = useState<SecretInfo[]>([]);
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const load = () => api.secrets().then(setList, (e: Error) => setMessage({ ok: false, text: e.message }));
  useEffect(() => void load(), []);
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      await api.putSecret(name.trim(), value);
      setMessage({ ok: true, text: `Saved ${name.trim()}` });
      setName("");
      setValue("");
      await load();
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    }
  };
  const remove = async (n: string) => {
    try {
      await api.deleteSecret(n);
      setMessage({ ok: true, text: `Deleted ${n}` });
      await load();
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    }
  };
  return (
    <main class="page">
      <h1>Secrets</h1>
      <p class="muted">Encrypted at rest and masked as <code>***</code> in every log. Values are never shown again.</p>
      <form class="card secret-form" onSubmit={save} aria-label="add or replace a secret">
        <div class="field">
          <label for="secret-name">Name</label>
          <input id="secret-name" value={name} required pattern="[A-Za-z_][A-Za-z0-9_]*" onInput={(e) => setName((e.target as HTMLInputElement).value)} autoComplete="off" />
        </div>
        <div class="field">
          <label for="secret-value">Value</label>
          <input id="secret-value" type="password" value={value} required onInput={(e) => setValue((e.target as HTMLInputElement).value)} autoComplete="new-password" />
        </div>
        <button type="submit" class="primary">
          Save secret
        </button>
      </form>
      {message ? (
        <p class={message.ok ? "ok" : "error"} role={message.ok ? "status" : "alert"}>
          {message.text}
        </p>
      ) : null}
      <ul class="secrets" aria-label="secrets">
        {list.map((s) => (
          <li key={s.name} class="secret-row">
            <code>{s.name}</code>
            <span class="muted">updated {relativeTime(s.updatedAt)}</span>
            {s.unreadable ? (
              <span class="error" title="stored under another STAX_SECRETS_KEY: set it again">
                unreadable with the key in use
              </span>
            ) : null}
            <button onClick={() => setName(s.name)} aria-label={`replace ${s.name}`}>
              Replace
            </button>
            <button class="danger" onClick={() => remove(s.name)} aria-label={`delete ${s.name}`}>
              Delete
            </button>
          </li>
        ))}
      </ul>
      {!list.length ? <p class="empty">No secrets yet.</p> : null}
    </main>
  );
}
