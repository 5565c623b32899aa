/** Variables: repository variables for the `vars` context. Plain text, so values are shown and editable. */
import { useEffect, useState } from "preact/hooks";
import type { VarInfo } from "../../../src/contract/index.js";
import { api } from "../api.js";
import { relativeTime } from "../format.js";

export function VariablesPage() {
  const [list, setList] = useState<VarInfo[]>([]);
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const load = () => api.vars().then(setList, (e: Error) => setMessage({ ok: false, text: e.message }));
  useEffect(() => void load(), []);
  const act = async (what: () => Promise<unknown>, done: string) => {
    try {
      await what();
      setMessage({ ok: true, text: done });
      await load();
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    }
  };
  const save = async (e: Event) => {
    e.preventDefault();
    const n = name.trim();
    await act(() => api.putVar(n, value), `Saved ${n}`);
    setName("");
    setValue("");
  };
  return (
    <main class="page">
      <h1>Variables</h1>
      <p class="muted">
        The <code>vars</code> context of every run. Not secret: values are stored and shown as plain text. A run's <code>--var</code> goes over them.
      </p>
      <form class="card secret-form" onSubmit={save} aria-label="add or replace a variable">
        <div class="field">
          <label for="var-name">Name</label>
          <input id="var-name" value={name} required pattern="[A-Za-z_][A-Za-z0-9_]*" onInput={(e) => setName((e.target as HTMLInputElement).value)} autoComplete="off" />
        </div>
        <div class="field">
          <label for="var-value">Value</label>
          <input id="var-value" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} autoComplete="off" />
        </div>
        <button type="submit" class="primary">
          Save variable
        </button>
      </form>
      {message ? (
        <p class={message.ok ? "ok" : "error"} role={message.ok ? "status" : "alert"}>
          {message.text}
        </p>
      ) : null}
      <ul class="secrets" aria-label="variables">
        {list.map((v) => (
          <li key={v.name} class="secret-row">
            <code>{v.name}</code>
            <code class="var-value">{v.value}</code>
            <span class="muted">updated {relativeTime(v.updatedAt)}</span>
            <button
              onClick={() => {
                setName(v.name);
                setValue(v.value);
              }}
              aria-label={`edit ${v.name}`}
            >
              Edit
            </button>
            <button class="danger" onClick={() => act(() => api.deleteVar(v.name), `Deleted ${v.name}`)} aria-label={`delete ${v.name}`}>
              Delete
            </button>
          </li>
        ))}
      </ul>
      {!list.length ? <p class="empty">No variables yet.</p> : null}
    </main>
  );
}
