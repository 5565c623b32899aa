/**
 * A page of named values (secrets, variables): the list, a form that adds or replaces one, and a
 * delete per row. What differs between them (whether values show, what a row adds) comes in props.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { useReconnects } from "../events.js";
import { relativeTime } from "../format.js";
import { useTitle } from "../router.js";

export interface NamedValue {
  name: string;
  updatedAt: string;
}

export interface NamedValuesProps<T extends NamedValue> {
  title: string;
  intro: ComponentChildren;
  /** `secret` or `variable`: labels and element ids (`secret-name`, `var-name`…) follow it. */
  noun: "secret" | "variable";
  /** Secret values are write-only: typed hidden, never shown or filled in again. */
  hidden: boolean;
  load(): Promise<T[]>;
  put(name: string, value: string): Promise<unknown>;
  remove(name: string): Promise<unknown>;
  /** What a row shows between its name and its time (a variable's value, a secret's warning). */
  details(item: T): ComponentChildren;
  /** The value a row's Edit puts in the form; without it the button only takes the name (Replace). */
  editValue?(item: T): string;
}

export function NamedValues<T extends NamedValue>(p: NamedValuesProps<T>) {
  useTitle(p.title);
  const [list, setList] = useState<T[]>([]);
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const [multiline, setMultiline] = useState(false);
  /** The row whose Delete was pressed once: it asks before anything is deleted. */
  const [confirming, setConfirming] = useState<string>();
  const load = () => p.load().then(setList, (e: Error) => setMessage({ ok: false, text: e.message }));
  const reconnects = useReconnects();
  useEffect(() => void load(), [reconnects]);
  const act = async (what: () => Promise<unknown>, done: string): Promise<boolean> => {
    try {
      await what();
      setMessage({ ok: true, text: done });
      await load();
      return true;
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
      return false;
    }
  };
  const save = async (e: Event) => {
    e.preventDefault();
    const n = name.trim();
    if (await act(() => p.put(n, value), `Saved ${n}`)) {
      setName("");
      setValue("");
    }
  };
  const id = p.noun === "secret" ? "secret" : "var";
  const edit = p.editValue ? "edit" : "replace";
  return (
    <main class="page">
      <h1>{p.title}</h1>
      <p class="muted">{p.intro}</p>
      <form class="card secret-form" onSubmit={save} aria-label={`add or replace a ${p.noun}`}>
        <div class="field">
          <label for={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            value={name}
            required
            // GitHub's rule for both: letters, digits and _, not a digit first, not GITHUB_ (reserved, GITHUB_TOKEN among them).
            pattern="[A-Za-z_][A-Za-z0-9_]*"
            title="letters, digits and _, not starting with a digit or GITHUB_"
            onInput={(e) => {
              const el = e.target as HTMLInputElement;
              el.setCustomValidity(
                /^GITHUB_/i.test(el.value) ? `${el.value} is reserved: names may not start with GITHUB_` : "",
              );
              setName(el.value);
            }}
            autoComplete="off"
          />
        </div>
        <div class="field">
          <label for={`${id}-value`}>Value</label>
          {multiline ? (
            // A certificate or key: several lines, visible while typed, never shown again once saved.
            <textarea
              id={`${id}-value`}
              value={value}
              required={p.hidden}
              rows={4}
              cols={40}
              spellcheck={false}
              onInput={(e) => setValue((e.target as HTMLTextAreaElement).value)}
              autoComplete="off"
            />
          ) : p.hidden ? (
            <input
              id={`${id}-value`}
              type="password"
              value={value}
              required
              onInput={(e) => setValue((e.target as HTMLInputElement).value)}
              autoComplete="new-password"
            />
          ) : (
            <input
              id={`${id}-value`}
              value={value}
              onInput={(e) => setValue((e.target as HTMLInputElement).value)}
              autoComplete="off"
            />
          )}
        </div>
        <label class="field check">
          <input
            type="checkbox"
            checked={multiline}
            onChange={(e) => setMultiline((e.target as HTMLInputElement).checked)}
          />{" "}
          Several lines
        </label>
        <button type="submit" class="primary">
          Save {p.noun}
        </button>
      </form>
      {message ? (
        <p class={message.ok ? "ok" : "error"} role={message.ok ? "status" : "alert"}>
          {message.text}
        </p>
      ) : null}
      <ul class="secrets" aria-label={`${p.noun}s`}>
        {list.map((item) => (
          <li key={item.name} class="secret-row">
            <code>{item.name}</code>
            {p.details(item)}
            <span class="muted">updated {relativeTime(item.updatedAt)}</span>
            <button
              onClick={() => {
                setName(item.name);
                if (p.editValue) setValue(p.editValue(item));
              }}
              aria-label={`${edit} ${item.name}`}
            >
              {p.editValue ? "Edit" : "Replace"}
            </button>
            {confirming === item.name ? (
              <span class="confirm" role="group" aria-label={`confirm delete of ${item.name}`}>
                Delete {item.name}?{" "}
                <button
                  class="danger"
                  onClick={() =>
                    void act(() => p.remove(item.name), `Deleted ${item.name}`).then(() => setConfirming(undefined))
                  }
                  aria-label={`yes, delete ${item.name}`}
                >
                  Delete
                </button>
                <button onClick={() => setConfirming(undefined)}>Keep</button>
              </span>
            ) : (
              <button class="danger" onClick={() => setConfirming(item.name)} aria-label={`delete ${item.name}`}>
                Delete…
              </button>
            )}
          </li>
        ))}
      </ul>
      {!list.length ? <p class="empty">No {p.noun}s yet.</p> : null}
    </main>
  );
}
