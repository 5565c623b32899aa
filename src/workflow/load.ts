import { convertWorkflowTemplate } from "@actions/workflow-parser";
import { ErrorPolicy } from "@actions/workflow-parser/model/convert";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join, relative, resolve } from "node:path";
import type { Diagnostic, WorkflowInfo, WorkflowInput } from "../contract/index.js";
import { buildWorkflow, type WorkflowDef } from "./model.js";
import { declaredInputs, eventsOf } from "./inputs.js";
import { keptSlot } from "./kept.js";
import { checkLimits, MAX_WORKFLOW_BYTES } from "./limits.js";
import { diagnosticsOf, parseWorkflowText } from "./parse.js";
import { isSequence, literalString, mapEntries, mapGet, type TemplateToken } from "./tokens.js";
import { errorMessage } from "../contract/index.js";

/** A workflow file, loaded and validated. `definition` is set only when `errors` is empty. */
export interface LoadedWorkflow {
  filePath: string;
  fileName: string;
  /** Path relative to the workspace, as shown to users and in `github.workflow` fallbacks. */
  relPath: string;
  /** `name:` or the relative path (TRIG-12). */
  name: string;
  errors: Diagnostic[];
  info: WorkflowInfo;
  definition?: WorkflowDef;
  /** Declared inputs per event that takes them. */
  inputs: { workflow_dispatch: WorkflowInput[]; workflow_call: WorkflowInput[] };
  /** The file's text ("" when it could not be read). */
  source: string;
}

/** JOB-02: unknown needs and cycles, with the position of the offending job. */
function checkNeeds(root: TemplateToken, file: string): Diagnostic[] {
  const jobs = mapEntries(mapGet(root, "jobs"));
  const ids = new Map(jobs.map(([id]) => [id.toLowerCase(), id]));
  const needs = new Map<string, string[]>();
  const out: Diagnostic[] = [];
  for (const [id, job] of jobs) {
    const t = mapGet(job, "needs");
    const list: string[] = [];
    const single = literalString(t);
    if (single !== undefined) list.push(single);
    else if (t && isSequence(t)) for (let i = 0; i < t.count; i++) list.push(literalString(t.get(i)) ?? "");
    needs.set(id, list);
    for (const n of list) {
      if (!ids.has(n.toLowerCase())) {
        out.push({
          file,
          line: t?.line ?? job.line ?? 1,
          column: t?.col ?? 1,
          message: `job '${id}' needs unknown job '${n}'`,
        });
      }
    }
  }
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting") {
      const cycle = [...path.slice(path.indexOf(id)), id];
      const job = jobs.find(([j]) => j === id)?.[1];
      out.push({
        file,
        line: job?.line ?? 1,
        column: job?.col ?? 1,
        message: `jobs form a cycle: ${cycle.join(" → ")}`,
      });
      return;
    }
    state.set(id, "visiting");
    for (const n of needs.get(id) ?? []) {
      const target = ids.get(n.toLowerCase());
      if (target) visit(target, [...path, id]);
    }
    state.set(id, "done");
  };
  for (const [id] of jobs) visit(id, []);
  return out;
}

/**
 * A `workflow_call` input without `type`: the schema requires one (TRIG-10), but act and older
 * workflows rely on it meaning `string`, so stax accepts it as a string input.
 */
function untypedCallInput(root: TemplateToken | undefined, d: Diagnostic): boolean {
  if (d.message !== "Required property is missing: type") return false;
  const inputs = mapGet(eventsOf(root).get("workflow_call"), "inputs");
  return mapEntries(inputs).some(([, def]) => def.line === d.line && def.col === d.column);
}

function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.line}:${d.column}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Parses, validates and models one workflow file. Never throws for bad content; I/O errors become diagnostics. */
export async function loadWorkflow(filePath: string, workspace: string): Promise<LoadedWorkflow> {
  const { abs, relPath, shown } = named(filePath, workspace);
  let content: string;
  try {
    const size = (await stat(abs)).size;
    if (size > MAX_WORKFLOW_BYTES) return tooBig(abs, relPath, shown, size);
    content = await readFile(abs, "utf8");
  } catch (err) {
    const message = `cannot read workflow: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
    return finish(abs, relPath, undefined, [{ file: shown, line: 1, column: 1, message }], undefined, "");
  }
  const slot = keptSlot(abs, [abs, relPath, shown, content]);
  if (slot?.loaded) return { ...slot.loaded, source: content };
  const loaded = await fromText(abs, relPath, shown, content);
  slot?.keep(loaded);
  return loaded;
}

/**
 * A workflow file as another commit has it (`content`, read from git), loaded as `loadWorkflow`
 * loads the file; `size`: its size, when it was too large to be read.
 */
export async function loadWorkflowText(
  filePath: string,
  workspace: string,
  content: Buffer,
  size = content.length,
): Promise<LoadedWorkflow> {
  const { abs, relPath, shown } = named(filePath, workspace);
  if (size > MAX_WORKFLOW_BYTES) return tooBig(abs, relPath, shown, size);
  return fromText(abs, relPath, shown, content.toString("utf8"));
}

/** A file's absolute path, its path in the workspace, and the path its messages name. */
function named(filePath: string, workspace: string): { abs: string; relPath: string; shown: string } {
  const abs = resolve(workspace, filePath);
  const relPath = relative(workspace, abs) || basename(abs);
  return { abs, relPath, shown: relPath.startsWith("..") ? abs : relPath };
}

function tooBig(abs: string, relPath: string, shown: string, size: number): LoadedWorkflow {
  const message = `the file is ${size} bytes; stax reads workflow files of at most ${MAX_WORKFLOW_BYTES} bytes`;
  return finish(abs, relPath, undefined, [{ file: shown, line: 1, column: 1, message }], undefined, "");
}

/** A workflow file's text, loaded and validated (`shown`: its path in messages). */
async function fromText(abs: string, relPath: string, shown: string, content: string): Promise<LoadedWorkflow> {
  try {
    const parsed = parseWorkflowText(shown, content);
    let definition: WorkflowDef | undefined;
    const extra: Diagnostic[] = [];
    if (parsed.root) {
      extra.push(...checkNeeds(parsed.root, shown), ...checkLimits(parsed.root, shown));
      const template = await convertWorkflowTemplate(parsed.context, parsed.root, undefined, {
        errorPolicy: ErrorPolicy.TryConversion,
      });
      if (template.jobs) definition = buildWorkflow(parsed.root, template);
    }
    const errors = dedupe([
      ...diagnosticsOf(parsed.context, shown).filter((d) => !untypedCallInput(parsed.root, d)),
      ...extra,
    ]).sort((a, b) => a.line - b.line || a.column - b.column);
    return finish(abs, relPath, parsed.root, errors, errors.length ? undefined : definition, content);
  } catch (err) {
    // A fault of the parser or of stax on this file (a stack overflow on deep nesting…) is an error of this file, never of the list.
    const where = deepestLine(content);
    const message = `stax cannot load this workflow: ${err instanceof RangeError ? "it nests too deeply" : errorMessage(err)}`;
    return finish(abs, relPath, undefined, [{ file: shown, ...where, message }], undefined, content);
  }
}

/** A small workflow with the common parts (triggers, env, matrix, needs, run and uses steps, expressions) for `warmUpParser`. */
const WARM_UP = `name: warm-up
on: [push, pull_request]
env: { A: "1" }
jobs:
  build:
    runs-on: \${{ matrix.os }}
    strategy: { matrix: { os: [ubuntu-latest], n: [1, 2] } }
    outputs: { out: "\${{ steps.s.outputs.x }}" }
    steps:
      - uses: actions/checkout@v4
      - id: s
        if: \${{ github.event_name == 'push' && matrix.n > 0 }}
        run: echo "x=\${{ env.A }}" >> "$GITHUB_OUTPUT"
        env: { B: "\${{ format('{0}', matrix.n) }}" }
  after:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ needs.build.outputs.out }}"
`;

/**
 * Runs the parser over a small workflow a few times. Its first runs read its schema and compile
 * its code (some 100 ms): a process that loads workflows on a latency path (a worker about to
 * start a leg) pays that when it starts instead.
 */
export async function warmUpParser(): Promise<void> {
  for (let i = 0; i < 3; i++) await fromText("/warm-up.yml", "warm-up.yml", "warm-up.yml", WARM_UP);
}

/** Where a file nests deepest (indentation plus open brackets): the best position for a nesting fault. */
function deepestLine(content: string): { line: number; column: number } {
  let best = { line: 1, column: 1, depth: -1 };
  let brackets = 0;
  content.split("\n").forEach((text, i) => {
    const indent = text.length - text.trimStart().length;
    for (const c of text) brackets += c === "[" || c === "{" ? 1 : c === "]" || c === "}" ? -1 : 0;
    const depth = indent + Math.max(brackets, 0);
    if (depth > best.depth) best = { line: i + 1, column: indent + 1, depth };
  });
  return { line: best.line, column: best.column };
}

function finish(
  abs: string,
  relPath: string,
  root: TemplateToken | undefined,
  errors: Diagnostic[],
  definition: WorkflowDef | undefined,
  source: string,
): LoadedWorkflow {
  const name = literalString(mapGet(root, "name")) || relPath;
  const inputs = {
    workflow_dispatch: declaredInputs(root, "workflow_dispatch"),
    workflow_call: declaredInputs(root, "workflow_call"),
  };
  const info: WorkflowInfo = {
    name,
    fileName: basename(abs),
    filePath: relPath,
    triggers: [...eventsOf(root).keys()],
    jobs: mapEntries(mapGet(root, "jobs")).map(([id, job]) => {
      const def = definition?.jobs.find((j) => j.id === id);
      return { id, name: literalString(mapGet(job, "name")) ?? id, needs: def?.needs ?? [] };
    }),
    inputs: inputs.workflow_dispatch.length ? inputs.workflow_dispatch : inputs.workflow_call,
  };
  if (errors.length) info.errors = errors;
  return { filePath: abs, fileName: basename(abs), relPath, name, errors, info, definition, inputs, source };
}

/** The workflow files of a workspace: `.github/workflows/*.yml|yaml` (or another folder's), sorted (YAML-01). */
export async function workflowFiles(
  workspace: string,
  dir = join(workspace, ".github", "workflows"),
): Promise<string[]> {
  try {
    return (await readdir(dir))
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** Every workflow of the workspace (or of another folder: `stax run -W DIR`), invalid ones included with their errors. */
export async function listWorkflows(workspace: string, dir?: string): Promise<LoadedWorkflow[]> {
  // One file after another, yielding between them: parsing is synchronous, and requests and SSE streams wait meanwhile.
  const out: LoadedWorkflow[] = [];
  for (const f of await workflowFiles(workspace, dir)) {
    out.push(await loadWorkflow(f, workspace));
    await new Promise((r) => setImmediate(r));
  }
  return out;
}
