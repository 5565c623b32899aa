// Reads every import of the project from the TypeScript AST (TypeScript 7's API: the compiler
// runs as a child process and hands back each file's syntax tree), so a multi-line import,
// `export … from`, a dynamic `import()` and `import type` are all seen whatever their layout.
// Only syntax is read: no lib, no module resolution, no type checking (about a second).
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { API } from "typescript/unstable/sync";
import { SyntaxKind } from "typescript/unstable/ast";

/**
 * Every source file under `root`'s src/ and web/src/ with its relative imports resolved to files,
 * each `{ to, line, kind, typeOnly }` (kind: static, export, dynamic, type), and the lines that
 * read `process.env`.
 */
export function readImports(root) {
  // The project is described to the compiler through a tsconfig.json that exists only here, so
  // a fixture tree needs none and the real one's options (lib, types) cost nothing.
  const config = join(root, "__lint_imports__.tsconfig.json");
  const text = JSON.stringify({
    compilerOptions: {
      noLib: true,
      types: [],
      noResolve: true,
      jsx: "preserve",
      module: "NodeNext",
      moduleResolution: "NodeNext",
    },
    include: ["src", "web/src"].map((d) => join(root, d)).filter((d) => existsSync(d)),
  });
  const api = new API({
    cwd: root,
    fs: { readFile: (f) => (f === config ? text : undefined), fileExists: (f) => (f === config ? true : undefined) },
  });
  try {
    const program = api.updateSnapshot({ openProject: config }).getProjects()[0].program;
    return program.getSourceFileNames().map((name) => fileOf(program.getSourceFile(name)));
  } finally {
    api.close();
  }
}

function fileOf(sf) {
  const starts = lineStarts(sf.text);
  const line = (pos) => upperBound(starts, pos);
  const imports = [];
  // `imports` holds the module specifier of every import form the compiler knows.
  for (const spec of sf.imports) {
    const to = resolveSpecifier(sf.fileName, spec.text);
    if (to === undefined) continue;
    imports.push({ to, line: line(spec.end), ...kindOf(spec.parent) });
  }
  const env = [];
  if (sf.text.includes("process")) {
    const visit = (node) => {
      if (isProcessEnv(node)) env.push(line(node.end));
      node.forEachChild(visit);
    };
    visit(sf);
  }
  return { file: sf.fileName, imports, env };
}

/** What an import is, and whether only types cross it (erased at run time, so never a cycle). */
function kindOf(node) {
  switch (node.kind) {
    case SyntaxKind.ImportDeclaration: {
      const clause = node.importClause;
      if (clause?.phaseModifier === SyntaxKind.TypeKeyword) return { kind: "static", typeOnly: true };
      const named = clause?.namedBindings;
      const allTypes =
        clause !== undefined &&
        clause.name === undefined &&
        named?.kind === SyntaxKind.NamedImports &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      return { kind: "static", typeOnly: allTypes };
    }
    case SyntaxKind.ExportDeclaration: {
      const named = node.exportClause;
      const allTypes =
        named?.kind === SyntaxKind.NamedExports &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      return { kind: "export", typeOnly: node.isTypeOnly || allTypes };
    }
    case SyntaxKind.CallExpression:
      return { kind: "dynamic", typeOnly: false };
    default:
      // `typeof import("./x.js")` and the like: a type position.
      return { kind: "type", typeOnly: true };
  }
}

function isProcessEnv(node) {
  const isProcess = (e) => e.kind === SyntaxKind.Identifier && e.text === "process";
  if (node.kind === SyntaxKind.PropertyAccessExpression) return isProcess(node.expression) && node.name.text === "env";
  if (node.kind === SyntaxKind.ElementAccessExpression)
    return isProcess(node.expression) && node.argumentExpression.text === "env";
  return false;
}

/** A relative specifier as the file it names (`./x.js` is `x.ts` in the sources); packages are undefined. */
function resolveSpecifier(from, spec) {
  if (!spec.startsWith(".")) return undefined;
  const base = resolve(dirname(from), spec);
  const stem = base.replace(/\.(m|c)?jsx?$/, "");
  for (const candidate of [base, `${stem}.ts`, `${stem}.tsx`, join(base, "index.ts"), join(base, "index.tsx")]) {
    if (/\.tsx?$/.test(candidate) && existsSync(candidate)) return candidate;
  }
  return base;
}

function lineStarts(text) {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** The 1-based line holding offset `pos`. */
function upperBound(starts, pos) {
  let lo = 0,
    hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
