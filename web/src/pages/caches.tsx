/** Caches: the actions/cache entries of this runner, as GitHub's Caches page lists them; each can be deleted. */
import { useEffect, useState } from "preact/hooks";
import type { CacheEntryInfo } from "../../../src/contract/index.js";
import { api } from "../api.js";
import { useReconnects } from "../events.js";
import { relativeTime } from "../format.js";
import { useTitle } from "../router.js";

/** 1536 → "1.5 KB", as people read sizes. */
export function size(bytes: number): string {
  const units = ["B", "KB", "MB", "GB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u ? v.toFixed(1) : v} ${units[u]}`;
}

export function CachesPage() {
  useTitle("Caches");
  const [list, setList] = useState<CacheEntryInfo[]>();
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const [confirming, setConfirming] = useState<string>();
  const reconnects = useReconnects();
  const load = () => api.caches().then(setList, (e: Error) => setMessage({ ok: false, text: e.message }));
  useEffect(() => void load(), [reconnects]);
  const remove = async (e: CacheEntryInfo) => {
    try {
      await api.deleteCache(e.id);
      setMessage({ ok: true, text: `Deleted the cache ${e.key}` });
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    }
    setConfirming(undefined);
    await load();
  };
  const total = (list ?? []).reduce((n, e) => n + e.size, 0);
  return (
    <main class="page">
      <h1>Caches</h1>
      <p class="muted">
        What <code>actions/cache</code> saved in this runner's runs, most recently used first
        {list?.length ? ` (${size(total)} in all)` : ""}. An entry unused for 7 days goes, and the least recently used
        go first over the size limit.
      </p>
      {message ? (
        <p class={message.ok ? "ok" : "error"} role={message.ok ? "status" : "alert"}>
          {message.text}
        </p>
      ) : null}
      {list && !list.length ? (
        <p class="empty">
          No caches yet. A workflow step with <code>uses: actions/cache@v4</code> saves one.
        </p>
      ) : null}
      <ul class="secrets" aria-label="caches">
        {(list ?? []).map((e) => (
          <li key={e.id} class="secret-row cache-row">
            <code class="cache-key">{e.key}</code>
            <span>{size(e.size)}</span>
            <span class="muted">
              created {relativeTime(e.createdAt)}, last used{" "}
              <time dateTime={e.lastUsedAt} title={new Date(e.lastUsedAt).toLocaleString()}>
                {relativeTime(e.lastUsedAt)}
              </time>
            </span>
            {confirming === e.id ? (
              <span class="confirm" role="group" aria-label={`confirm delete of ${e.key}`}>
                Delete this cache?{" "}
                <button class="danger" onClick={() => void remove(e)} aria-label={`yes, delete ${e.key}`}>
                  Delete
                </button>
                <button onClick={() => setConfirming(undefined)}>Keep</button>
              </span>
            ) : (
              <button class="danger" onClick={() => setConfirming(e.id)} aria-label={`delete ${e.key}`}>
                Delete…
              </button>
            )}
          </li>
        ))}
      </ul>
    </main>
  );
}
