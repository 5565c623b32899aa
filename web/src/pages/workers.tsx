/** Workers of a shared store (many machines): who is there, what they take, how busy they are. */
import { useEffect, useState } from "preact/hooks";
import type { WorkerInfo } from "../../../src/contract/index.js";
import { api } from "../api.js";
import { useTitle } from "../router.js";
import { relativeTime } from "../format.js";

/** Heartbeats come every second or so: a refresh every 2 s keeps the page current without the stream. */
const REFRESH_MS = 2000;

export function WorkersPage() {
  useTitle("Workers");
  const [list, setList] = useState<WorkerInfo[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const load = () =>
      api.workers().then(
        (w) => (setList(w), setError(undefined)),
        (e: Error) => setError(e.message),
      );
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  return (
    <main class="page">
      <h1>Workers</h1>
      <p class="muted">
        Machines that run job legs of this store's runs. Start one on each host with{" "}
        <code>stax worker --concurrency 2</code> (with <code>STAX_DATABASE_URL</code> set).
      </p>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {list?.length ? (
        <table class="workers" aria-label="workers">
          <thead>
            <tr>
              <th>Name</th>
              <th>State</th>
              <th>Labels</th>
              <th>Legs</th>
              <th>Last heartbeat</th>
            </tr>
          </thead>
          <tbody>
            {list.map((w) => (
              <tr key={w.name}>
                <td>
                  <code>{w.name}</code>
                </td>
                <td class={w.lost ? "error" : "ok"}>{w.lost ? "lost" : "live"}</td>
                <td>{w.labels.join(", ")}</td>
                <td>
                  {w.inHand} / {w.slots}
                </td>
                <td class="muted" title={w.lastHeartbeat}>
                  {relativeTime(w.lastHeartbeat)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : list ? (
        <p class="empty">
          No workers: this runner runs every leg itself (the embedded store), or none has started yet.
        </p>
      ) : null}
    </main>
  );
}
