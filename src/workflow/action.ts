import { convertActionTemplate } from "@actions/workflow-parser/actions/action-template";
import { ErrorPolicy } from "@actions/workflow-parser/model/convert";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Step as ParserStep } from "@actions/workflow-parser/model/workflow-template";
import { formatDiagnostic, type Result } from "../contract/index.js";
import { buildSteps, type StepDef } from "./model.js";
import { diagnosticsOf, parseActionText } from "./parse.js";
import { literalString, mapGet, type TemplateToken } from "./tokens.js";

/** An action's metadata (ACT-01) in the shape the engine runs. */
export interface ActionDef {
  name: string;
  /** The folder holding action.yml. */
  dir: string;
  inputs: { id: string; default?: TemplateToken; required: boolean; deprecationMessage?: string }[];
  outputs: { id: string; value?: TemplateToken }[];
  runs:
    | { using: "node"; version: string; main: string; pre?: string; preIf?: string; post?: string; postIf?: string }
    | { using: "composite"; steps: StepDef[] }
    | {
        using: "docker";
        image: string;
        entrypoint?: string;
        args?: TemplateToken;
        env?: TemplateToken;
        preEntrypoint?: string;
        preIf?: string;
        postEntrypoint?: string;
        postIf?: string;
      };
}

/**
 * Loads `action.yml`, else `action.yaml`, else a Dockerfile (STEP-17) from a folder.
 * Errors are messages that name the file and position.
 */
export function loadAction(dir: string, shownAs: string): Result<ActionDef> {
  const file = ["action.yml", "action.yaml"].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file) {
    if (existsSync(join(dir, "Dockerfile")) || existsSync(join(dir, "dockerfile"))) {
      return {
        ok: true,
        value: { name: shownAs, dir, inputs: [], outputs: [], runs: { using: "docker", image: "Dockerfile" } },
      };
    }
    return {
      ok: false,
      error: `Can't find 'action.yml', 'action.yaml' or 'Dockerfile' under '${dir}'. Did you forget to run actions/checkout before running your local action?`,
    };
  }
  const shownFile = `${shownAs.replace(/\/$/, "")}/${file.slice(dir.length + 1)}`;
  const parsed = parseActionText(shownFile, readFileSync(file, "utf8"));
  const errors = diagnosticsOf(parsed.context, shownFile);
  if (!parsed.root || errors.length)
    return { ok: false, error: errors.map(formatDiagnostic).join("\n") || `${shownFile}: invalid action` };
  const t = convertActionTemplate(parsed.context, parsed.root, { errorPolicy: ErrorPolicy.TryConversion });
  const runs = t.runs as { using: string } & Record<string, unknown>;
  let r: ActionDef["runs"];
  if (/^node\d+$/.test(runs.using)) {
    // The converter drops `pre-if` / `post-if`: read them from the token tree.
    const raw = mapGet(parsed.root, "runs");
    r = {
      using: "node",
      version: runs.using,
      main: runs.main as string,
      pre: runs.pre as string | undefined,
      preIf: literalString(mapGet(raw, "pre-if")),
      post: runs.post as string | undefined,
      postIf: literalString(mapGet(raw, "post-if")),
    };
  } else if (runs.using === "composite") {
    r = {
      using: "composite",
      steps: buildSteps(runs.steps as ParserStep[], mapGet(mapGet(parsed.root, "runs"), "steps")),
    };
  } else if (runs.using === "docker") {
    const raw = mapGet(parsed.root, "runs");
    r = {
      using: "docker",
      image: String(runs.image),
      entrypoint: literalString(mapGet(raw, "entrypoint")),
      args: mapGet(raw, "args"),
      env: mapGet(raw, "env"),
      preEntrypoint: literalString(mapGet(raw, "pre-entrypoint")),
      preIf: literalString(mapGet(raw, "pre-if")),
      postEntrypoint: literalString(mapGet(raw, "post-entrypoint")),
      postIf: literalString(mapGet(raw, "post-if")),
    };
  } else {
    return {
      ok: false,
      error: `${shownFile}: unsupported 'runs.using: ${runs.using}' (ACT-01 allows node12/16/20/24, composite, docker)`,
    };
  }
  return {
    ok: true,
    value: {
      name: t.name || shownAs,
      dir,
      inputs: (t.inputs ?? []).map((i) => ({
        id: i.id,
        default: i.default,
        required: i.required === true,
        deprecationMessage: i.deprecationMessage,
      })),
      outputs: (t.outputs ?? []).map((o) => ({ id: o.id, value: o.value })),
      runs: r,
    },
  };
}
