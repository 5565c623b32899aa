// Keeps the layering of docs/architecture.md: each folder of src/ may import only the folders
// listed for it, and only src/config and src/cli read process.env (everything else gets its
// configuration passed in). Exits 1 with file:line: message for each violation.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, dirname, resolve } from "node:path";

export const ALLOWED = {
  contract: [],
  config: ["contract"],
  workflow: ["contract"],
  expressions: ["contract", "workflow"],
  engine: ["contract", "workflow", "expressions"],
  store: ["contract"],
  client: ["contract"],
  host: ["contract", "config", "workflow", "expressions", "engine", "store"],
  server: ["contract", "config", "workflow", "expressions", "engine", "store", "host"],
  worker: ["contract", "config", "workflow", "expressions", "engine", "store", "host"],
  cli: ["contract", "config", "client", "workflow", "engine", "store", "host", "server", "worker"],
};
// A folder the others reach through one module only (its entry): the CLI starts the runner
// (`stax runner`) through server/app.ts and uses nothing else of the HTTP side.
const ENTRIES = { engine: "engine/index.js", server: "server/app.js" };
const ENV_READERS = new Set(["config", "cli"]);

// Inside src/engine: the rooms (sub-folders) and what each may import of the others, as in
// docs/architecture.md. A room may also import the shared state modules named with it
// (options.ts: RunOptions; runtime.ts: the run's runtime, graph scope and job context;
// job-state.ts: what changes while a job runs), never the entry points
// (index.ts, run.ts, remote-leg.ts) nor report.ts. The shared modules import the rooms' types only.
export const ENGINE_ROOMS = {
  io: [],
  context: ["io"],
  docker: ["io", "runtime.ts"],
  tools: [],
  steps: ["io", "context", "docker", "runtime.ts", "job-state.ts"],
  actions: ["steps", "docker", "tools", "options.ts", "runtime.ts", "job-state.ts"],
  job: ["steps", "actions", "docker", "context", "runtime.ts", "job-state.ts"],
  plan: ["job", "actions", "steps", "options.ts", "runtime.ts", "job-state.ts"],
};
const ENGINE_SHARED = new Set(["options.ts", "runtime.ts", "job-state.ts"]);
const ENGINE_ENTRIES = new Set(["index.ts", "run.ts", "remote-leg.ts", "report.ts"]);
// The one import cycle the engine keeps (value imports; `import type` is erased): a job that calls
// a reusable workflow schedules that workflow's graph.
const ENGINE_CYCLES = [["plan/graph.ts", "plan/strategy.ts", "plan/reusable.ts"]];

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const src = join(root, "src");
const problems = [];

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.tsx?$/.test(name)) check(p);
  }
}

function check(file) {
  const area = relative(src, file).split("/")[0];
  const allowed = ALLOWED[area];
  const lines = readFileSync(file, "utf8").split("\n");
  lines.forEach((line, i) => {
    const where = `${relative(root, file)}:${i + 1}`;
    if (allowed === undefined) {
      if (i === 0) problems.push(`${where}: folder src/${area} is not in the layering table of scripts/lint.mjs`);
      return;
    }
    const m = /^\s*(?:import|export)\b[^'"]*?from\s+["']([^"']+)["']/.exec(line) ?? /\bimport\(\s*["']([^"']+)["']\s*\)/.exec(line);
    if (m && m[1].startsWith(".")) {
      const target = relative(src, resolve(dirname(file), m[1])).split("/")[0];
      if (target !== area && !allowed.includes(target)) {
        problems.push(`${where}: src/${area} may not import src/${target} (allowed: ${allowed.join(", ") || "nothing"})`);
      } else if (target in ENTRIES && area !== target && relative(src, resolve(dirname(file), m[1])) !== ENTRIES[target]) {
        problems.push(`${where}: src/${area} imports src/${target} through src/${ENTRIES[target].replace(/\.js$/, ".ts")} only`);
      }
    }
    if (/process\.env\b/.test(line) && !ENV_READERS.has(area) && !/^\s*(\/\/|\*)/.test(line)) {
      problems.push(`${where}: only src/config and src/cli read process.env; pass configuration in`);
    }
  });
}

walk(src);
checkEngine();

/** The engine's rooms: allowed imports between them, and no import cycle but the known ones. */
function checkEngine() {
  const engine = join(src, "engine");
  const files = [];
  const collect = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) collect(p);
      else if (/\.ts$/.test(name)) files.push(p);
    }
  };
  collect(engine);
  const edges = new Map();
  for (const file of files) {
    const rel = relative(engine, file);
    const room = rel.includes("/") ? rel.split("/")[0] : undefined;
    const text = readFileSync(file, "utf8");
    const values = new Set();
    if (room !== undefined && !(room in ENGINE_ROOMS)) problems.push(`${relative(root, file)}:1: src/engine/${room} is not in the rooms table of scripts/lint.mjs`);
    for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?([^;]*?)\s+from\s+["'](\.[^"']+)["']/gms)) {
      const target = resolve(dirname(file), m[3]).replace(/\.js$/, ".ts");
      if (!target.startsWith(engine + "/")) continue;
      const to = relative(engine, target);
      const toRoom = to.includes("/") ? to.split("/")[0] : to;
      const typeOnly = Boolean(m[1]) || /^\{[^}]*\}$/s.test(m[2].trim()) && m[2].trim().slice(1, -1).split(",").map((n) => n.trim()).filter(Boolean).every((n) => /^type\s/.test(n));
      if (!typeOnly) values.add(to);
      const where = `${relative(root, file)}:${text.slice(0, m.index).split("\n").length}`;
      if (room === undefined) {
        if (ENGINE_SHARED.has(rel) && to.includes("/") && !typeOnly) problems.push(`${where}: src/engine/${rel} may import only types of the rooms (import type)`);
        continue;
      }
      if (toRoom === room) continue;
      if (!ENGINE_ROOMS[room]?.includes(toRoom)) {
        const why = ENGINE_ENTRIES.has(toRoom) ? "an entry point of the engine" : "not in its row of the rooms table";
        problems.push(`${where}: src/engine/${room} may not import src/engine/${to} (${why}; allowed: ${ENGINE_ROOMS[room]?.join(", ") || "nothing"})`);
      }
    }
    edges.set(relative(engine, file), values);
  }
  for (const cycle of cyclesOf(edges)) {
    const known = ENGINE_CYCLES.some((k) => k.length === cycle.length && k.every((f) => cycle.includes(f)));
    if (!known) problems.push(`src/engine: an import cycle among ${cycle.join(", ")} (break it with a parameter or a registry, or name it in ENGINE_CYCLES)`);
  }
}

/** The strongly connected components of more than one file (Tarjan). */
function cyclesOf(edges) {
  let next = 0;
  const index = new Map(), low = new Map(), stack = [], onStack = new Set(), out = [];
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}
// The dashboard knows only the contract.
try {
  const webSrc = join(root, "web", "src");
  const walkWeb = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walkWeb(p);
      else if (/\.tsx?$/.test(name)) {
        readFileSync(p, "utf8").split("\n").forEach((line, i) => {
          const m = /from\s+["']([^"']+)["']/.exec(line);
          if (m && m[1].includes("/src/") && !m[1].includes("/src/contract")) {
            problems.push(`${relative(root, p)}:${i + 1}: web/ may import only src/contract`);
          }
        });
      }
    }
  };
  walkWeb(webSrc);
} catch {
  // no dashboard sources yet
}

if (problems.length) {
  console.error(problems.join("\n"));
  console.error(`lint: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log("lint: ok");
