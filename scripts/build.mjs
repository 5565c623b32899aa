// Bundles the CLI (which also holds the runner) into dist/cli.js and its chunks with esbuild.
// The bundle is needed because @actions/workflow-parser imports JSON without import attributes,
// which plain Node refuses (see docs/architecture.md).
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { copyFileSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { isBuiltin } from "node:module";

/**
 * Node's built-in modules reached through `require` (the banner's) instead of `import`: importing
 * one as ESM makes Node build its ESM facade, which reads every export, and `node:http`'s lazy
 * ones load undici (~40 ms of every command's start). esbuild's CommonJS interop reads exports
 * only when the code uses them.
 */
const builtinsByRequire = {
  name: "builtins-by-require",
  setup(b) {
    b.onResolve({ filter: /^[a-z_:/]+$/ }, (a) => {
      if (!isBuiltin(a.path)) return undefined;
      return a.kind === "require-call" ? { path: a.path, external: true } : { path: a.path, namespace: "builtin" };
    });
    b.onLoad({ filter: /.*/, namespace: "builtin" }, (a) => ({
      contents: `module.exports = require(${JSON.stringify(a.path)});`,
      loader: "js",
    }));
  },
};

/**
 * What this build was made from (the sources and the locked dependencies), as a hash: what stax
 * keeps between runs from one build's code (loaded workflows) is not used by another's.
 */
function buildId() {
  const hash = createHash("sha256");
  const files = readdirSync("src", { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
  for (const f of files.map((d) => join(d.parentPath, d.name)).sort()) hash.update(f).update(readFileSync(f));
  return hash.update(readFileSync("package-lock.json")).digest("hex").slice(0, 16);
}

// A clean folder: chunk names change with their content, and `npm pack` ships all of dist/.
rmSync("dist", { recursive: true, force: true });
await build({
  // Split at every dynamic import: each command loads its own chunks (`stax --version` loads three
  // small files), and code two commands share sits in a chunk of its own.
  entryPoints: [{ in: "src/cli/main.ts", out: "cli" }],
  outdir: "dist",
  splitting: true,
  chunkNames: "[name]-[hash]",
  plugins: [builtinsByRequire],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  sourcemap: true,
  external: ["playwright-core"],
  banner: {
    js: "import { createRequire as __staxCreateRequire } from 'node:module'; const require = __staxCreateRequire(import.meta.url);",
  },
  define: {
    STAX_VERSION: JSON.stringify(JSON.parse(readFileSync("package.json", "utf8")).version),
    STAX_BUILD: JSON.stringify(buildId()),
  },
  logLevel: "warning",
});

// The workflow loader's worker thread (src/workflow/load-thread.ts), beside the bundle.
await build({
  entryPoints: ["src/workflow/load-worker.ts"],
  outfile: "dist/workflow-loader.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  sourcemap: true,
  banner: {
    js: "import { createRequire as __staxCreateRequire } from 'node:module'; const require = __staxCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
});

// The dashboard: static files in web/dist, served by the runner at `/`.
const { build: viteBuild } = await import("vite");
await viteBuild({ configFile: new URL("../web/vite.config.mjs", import.meta.url).pathname });

// actions/github-script's runner is a plain CommonJS file the shim starts with node (src/engine/actions/shims/github-script.ts).
copyFileSync("src/engine/actions/shims/github-script-runtime.cjs", "dist/github-script-runtime.cjs");
