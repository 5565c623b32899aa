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
  server: ["contract", "config", "workflow", "expressions", "engine", "store"],
  worker: ["contract", "config", "workflow", "expressions", "engine", "store", "server"],
  cli: ["contract", "config", "client", "workflow", "engine", "store", "server", "worker"],
};
const ENV_READERS = new Set(["config", "cli"]);

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
      }
    }
    if (/process\.env\b/.test(line) && !ENV_READERS.has(area) && !/^\s*(\/\/|\*)/.test(line)) {
      problems.push(`${where}: only src/config and src/cli read process.env; pass configuration in`);
    }
  });
}

walk(src);
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
