// The boundary rules applied to the import graph: each folder of src/ imports only the folders
// its row of the table names (types included), the rest of src/ reaches the engine through its
// public entry only, each room of the engine imports only the rooms and shared modules of its row,
// the shared modules import only types of the rooms, web/ imports only src/contract, only the
// folders named read process.env, and no value imports make a cycle that the doc does not list.
import { relative, sep } from "node:path";

export function checkGraph(root, files, rules) {
  const problems = [];
  const rel = (f) => relative(root, f).split(sep).join("/");
  // The engine's shared modules are the files its rooms' rows name (options.ts, runtime.ts, …).
  const shared = new Set(
    Object.values(rules.rooms)
      .flat()
      .filter((n) => n.endsWith(".ts")),
  );
  const reported = new Set();
  const once = (key, message) => {
    if (!reported.has(key)) problems.push(message);
    reported.add(key);
  };

  for (const { file, imports, env } of files) {
    const path = rel(file);
    if (path.startsWith("web/")) {
      for (const i of imports) {
        const to = rel(i.to);
        if (!to.startsWith("web/") && !rules.web.some((f) => to.startsWith(`src/${f}/`))) {
          problems.push(
            `${path}:${i.line}: web/ may import only ${rules.web.map((f) => `src/${f}`).join(", ")}, not ${to}`,
          );
        }
      }
      continue;
    }
    const inSrc = path.slice("src/".length);
    const area = inSrc.includes("/") ? inSrc.split("/")[0] : inSrc;
    const allowed = rules.layers[area];
    if (allowed === undefined) {
      once(area, `${path}:1: src/${area} is not in the folders' table of docs/architecture.md`);
      continue;
    }
    for (const line of env) {
      if (!rules.envReaders.includes(area))
        problems.push(
          `${path}:${line}: only ${rules.envReaders.map((f) => `src/${f}`).join(" and ")} read process.env; pass configuration in`,
        );
    }
    for (const i of imports) {
      const to = rel(i.to);
      const where = `${path}:${i.line}`;
      if (!to.startsWith("src/")) {
        problems.push(`${where}: src/${area} may not import ${to}, outside src/`);
        continue;
      }
      const toArea = to.split("/")[1];
      // A row may name one file of a folder (`server/app.ts`): that file alone of it may be imported.
      const oneFile = allowed.includes(to.slice("src/".length).replace(/\.tsx?$/, ".ts"));
      if (toArea !== area && !allowed.includes(toArea) && !oneFile) {
        problems.push(
          `${where}: src/${area} may not import src/${toArea} (allowed: ${allowed.join(", ") || "nothing"})`,
        );
      } else if (
        toArea === rules.publicEntry.folder &&
        area !== toArea &&
        to !== `src/${toArea}/${rules.publicEntry.file}`
      ) {
        problems.push(
          `${where}: src/${area} imports src/${toArea} through src/${toArea}/${rules.publicEntry.file} only, not ${to}`,
        );
      } else if (area === "engine" && toArea === "engine") {
        checkRoom(path.slice("src/engine/".length), to.slice("src/engine/".length), i, where);
      }
    }
  }

  function checkRoom(from, to, i, where) {
    const room = from.includes("/") ? from.split("/")[0] : undefined;
    const toRoom = to.includes("/") ? to.split("/")[0] : to;
    if (room === undefined) {
      if (shared.has(from) && to.includes("/") && !i.typeOnly)
        problems.push(`${where}: src/engine/${from} may import only types of the rooms (import type)`);
      return;
    }
    const row = rules.rooms[room];
    if (row === undefined)
      return once(`room ${room}`, `${where}: src/engine/${room} is not in the rooms table of docs/architecture.md`);
    if (toRoom !== room && !row.includes(toRoom)) {
      const why =
        to.includes("/") || shared.has(to) ? "not in its row of the rooms table" : "an entry point of the engine";
      problems.push(
        `${where}: src/engine/${room} may not import src/engine/${to} (${why}; allowed: ${row.join(", ") || "nothing"})`,
      );
    }
  }

  // Cycles of value imports (`import()` included; `import type` is erased) over every folder.
  const edges = new Map(
    files.map((f) => [rel(f.file), new Set(f.imports.filter((i) => !i.typeOnly).map((i) => rel(i.to)))]),
  );
  for (const cycle of cyclesOf(edges)) {
    const declared = rules.cycles.some((d) => d.length === cycle.length && d.every((f) => cycle.includes(f)));
    if (!declared)
      problems.push(
        `${cycle[0]}:1: an import cycle among ${cycle.join(", ")} (break it, or list it with its reason in the cycles table of docs/architecture.md)`,
      );
  }
  return problems;
}

/** The strongly connected components of more than one file (Tarjan). */
export function cyclesOf(edges) {
  let next = 0;
  const index = new Map(),
    low = new Map(),
    stack = [],
    onStack = new Set(),
    out = [];
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
