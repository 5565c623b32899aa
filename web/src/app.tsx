/** The shell: navigation, the connection badge, and the routes. */
import { useEffect, useState } from "preact/hooks";
import { api, runner } from "./api.js";
import { Link } from "./components/link.js";
import { ensureConnected, useConnection, type Connection } from "./events.js";
import { CachesPage } from "./pages/caches.js";
import { RunPage } from "./pages/run.js";
import { RunsPage } from "./pages/runs.js";
import { SecretsPage } from "./pages/secrets.js";
import { VariablesPage } from "./pages/variables.js";
import { WorkersPage } from "./pages/workers.js";
import { WorkflowsPage } from "./pages/workflows.js";
import { match, useLocation, useTitle } from "./router.js";

const BADGE: Record<Connection, string> = {
  connecting: "connecting…",
  healthy: "live",
  reconnecting: "reconnecting…",
  offline: "runner offline",
};

function Badge() {
  const c = useConnection();
  return (
    <span class={`badge-conn conn-${c}`} role="status" aria-label={`connection: ${BADGE[c]}`}>
      <span class="dot" aria-hidden="true" /> {BADGE[c]}
    </span>
  );
}

function Page() {
  const { path, hash, search } = useLocation();
  let m: Record<string, string> | undefined;
  if ((m = match("/runs/:id/jobs/:job", path))) return <RunPage id={m.id} job={m.job} hash={hash} />;
  if ((m = match("/runs/:id", path))) return <RunPage id={m.id} hash={hash} />;
  if ((m = match("/workflows/:name", path))) return <WorkflowsPage selected={m.name} />;
  if (path === "/workflows") return <WorkflowsPage />;
  if (path === "/secrets") return <SecretsPage />;
  if (path === "/variables") return <VariablesPage />;
  if (path === "/workers") return <WorkersPage />;
  if (path === "/caches") return <CachesPage />;
  if (path === "/" || path === "") return <RunsPage search={search} />;
  return <NotFound path={path} />;
}

function NotFound(props: { path: string }) {
  useTitle("Not found");
  const path = props.path;
  return (
    <main class="page">
      <h1>Not found</h1>
      <p>
        Nothing at <code>{path}</code>. <Link href="/">Back to runs</Link>
      </p>
    </main>
  );
}

export function App() {
  const { path } = useLocation();
  const [workspace, setWorkspace] = useState("");
  useEffect(() => {
    ensureConnected();
    api.health().then(
      (h) => {
        runner.workspace = h.workspace;
        setWorkspace(h.workspace);
      },
      () => {},
    );
  }, []);
  const c = useConnection();
  const section = path.startsWith("/workflows")
    ? "workflows"
    : path.startsWith("/secrets")
      ? "secrets"
      : path.startsWith("/variables")
        ? "variables"
        : path.startsWith("/workers")
          ? "workers"
          : path.startsWith("/caches")
            ? "caches"
            : "runs";
  return (
    <>
      <header class="top">
        <Link href="/" class="brand">
          stax
        </Link>
        <nav aria-label="main">
          <Link href="/" aria-current={section === "runs" ? "page" : undefined}>
            Runs
          </Link>
          <Link href="/workflows" aria-current={section === "workflows" ? "page" : undefined}>
            Workflows
          </Link>
          <Link href="/secrets" aria-current={section === "secrets" ? "page" : undefined}>
            Secrets
          </Link>
          <Link href="/variables" aria-current={section === "variables" ? "page" : undefined}>
            Variables
          </Link>
          <Link href="/workers" aria-current={section === "workers" ? "page" : undefined}>
            Workers
          </Link>
          <Link href="/caches" aria-current={section === "caches" ? "page" : undefined}>
            Caches
          </Link>
        </nav>
        <span class="workspace muted" title={workspace}>
          {workspace}
        </span>
        <Badge />
      </header>
      {c === "offline" ? (
        <div class="banner" role="alert">
          The runner is not answering. Start it with <code>stax runner start</code>; this page reconnects by itself.
        </div>
      ) : null}
      <Page />
    </>
  );
}
