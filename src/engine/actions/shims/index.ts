import type { Contexts } from "../../../expressions/index.js";
import type { StepDef } from "../../../workflow/index.js";
import type { ActionRef } from "../uses.js";
import type { ProcessOutcome } from "../../steps/run-process.js";
import type { StepScope } from "../../steps/scope.js";
import { checkout } from "./checkout.js";
import { downloadArtifact, uploadArtifact } from "./artifacts.js";
import { cache, cacheRestore, cacheSave } from "./cache.js";
import { githubScript } from "./github-script.js";
import { pnpmSetup } from "./pnpm-setup.js";
import { setupGo } from "./setup-go.js";
import { setupJava } from "./setup-java.js";
import { setupNode } from "./setup-node.js";
import { setupPython } from "./setup-python.js";

/** What a shim gets: the step, its scope, the parsed reference and its evaluated `with` and env. */
export interface ShimCall {
  scope: StepScope;
  def: StepDef;
  ref: Extract<ActionRef, { kind: "remote" }>;
  with: Record<string, string>;
  env: Record<string, string>;
  ctx: Contexts;
}

/**
 * A built-in stand-in for a marketplace action, run without the network. Each shim lives in its
 * own file and is declared here; `action` is `owner/repo` and `path` the sub-action ('' for the root).
 */
export interface Shim {
  action: string;
  path?: string;
  run(call: ShimCall): Promise<ProcessOutcome>;
}

const SHIMS: Shim[] = [
  checkout,
  uploadArtifact,
  downloadArtifact,
  setupNode,
  setupPython,
  setupJava,
  setupGo,
  pnpmSetup,
  cache,
  cacheRestore,
  cacheSave,
  githubScript,
];

/** The shim for `owner/repo[/path]`, if stax has one. */
export function findShim(slug: string, path: string): Shim | undefined {
  return SHIMS.find((s) => s.action.toLowerCase() === slug.toLowerCase() && (s.path ?? "") === path);
}
