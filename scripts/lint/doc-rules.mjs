// The rules of the boundary check, read from docs/architecture.md so the doc and the check cannot
// drift: the folders' table (its "may import" column), the engine's rooms table, the table of the
// import cycles kept on purpose, the sentence naming who reads process.env and the engine's
// public entry. A doc that lost one of them fails the check rather than weakening it.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export function readRules(root) {
  const doc = join(root, "docs", "architecture.md");
  const text = readFileSync(doc, "utf8");
  const fail = (what) => {
    throw new Error(
      `docs/architecture.md: ${what} not found; the boundary check (scripts/lint.mjs) reads its rules there`,
    );
  };
  const tables = tablesOf(text);
  const folders =
    tables.find((t) => t.header[0] === "folder") ??
    fail("the folders' table (| folder | what it holds | may import |)");
  const rooms =
    tables.find((t) => t.header[0] === "room") ??
    fail("the engine's rooms table (| room | what it holds | may import (of the engine) |)");
  const cycles =
    tables.find((t) => t.header[0].startsWith("cycle")) ?? fail("the table of import cycles (| cycle | why |)");

  const layers = {};
  let web;
  for (const row of folders.rows) {
    const name = codeOf(row[0])?.replace(/\/$/, "") ?? fail(`a folder name in the row "${row[0]}"`);
    const allowed = namesOf(row[row.length - 1]);
    if (name === "web") web = allowed;
    else if (name.startsWith("src/")) layers[name.slice(4)] = allowed;
  }
  const engineRooms = {};
  for (const row of rooms.rows)
    engineRooms[codeOf(row[0])?.replace(/\/$/, "") ?? fail(`a room name in "${row[0]}"`)] = namesOf(
      row[row.length - 1],
    );

  const envLine =
    /^Only (.*) reads? `process\.env`/m.exec(text) ??
    fail('the sentence "Only `src/…` and `src/…` read `process.env`"');
  const envReaders = [...envLine[1].matchAll(/`src\/([\w-]+)\/?`/g)].map((m) => m[1]);
  const entry =
    /`src\/([\w-]+)\/(index\.ts)` is its only public entry/.exec(text) ??
    fail('the sentence "`src/engine/index.ts` is its only public entry"');

  return {
    layers,
    web: web ?? fail("the row of `web/` in the folders' table"),
    rooms: engineRooms,
    envReaders,
    publicEntry: { folder: entry[1], file: entry[2] },
    cycles: cycles.rows
      .map((row) => [...row[0].matchAll(/`([^`]+\.tsx?)`/g)].map((m) => m[1]))
      .filter((files) => files.length > 0),
  };
}

/** Markdown tables: the first row's cells as header, the rows after the |---| line. */
function tablesOf(text) {
  const out = [];
  let current;
  for (const line of text.split("\n")) {
    if (!line.startsWith("|")) {
      current = undefined;
      continue;
    }
    const cells = line
      .replace(/^\||\|$/g, "")
      .split("|")
      .map((c) => c.trim());
    if (current === undefined) out.push((current = { header: cells.map((c) => c.toLowerCase()), rows: [] }));
    else if (!cells.every((c) => /^:?-+:?$/.test(c))) current.rows.push(cells);
  }
  return out;
}

function codeOf(cell) {
  return /`([^`]+)`/.exec(cell)?.[1];
}

/**
 * A "may import" cell as names: "contract, workflow (its token types)" is contract and workflow;
 * "io, `runtime.ts`" is io and runtime.ts; "nothing" is none; "contract only" is contract.
 */
function namesOf(cell) {
  const plain = cell
    .replace(/\([^)]*\)/g, "")
    .replace(/`/g, "")
    .trim();
  if (plain === "nothing") return [];
  return plain
    .split(",")
    .map((n) =>
      n
        .trim()
        .replace(/ only$/, "")
        .replace(/\/$/, ""),
    )
    .filter(Boolean);
}
