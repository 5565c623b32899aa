import { evaluateString, type Contexts, type ExtraFunctions } from "../../expressions/index.js";
import { isBasicExpression, literalString, type StepDef } from "../../workflow/index.js";

function firstLine(script: string): string {
  return (
    script
      .split("\n")
      .find((l) => l.trim())
      ?.trim() ?? ""
  );
}

/** ANSI escape sequences (CSI, OSC and two-byte ones) and other control characters. */
const CONTROL =
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/g;

/** A display name as plain text: a name is shown on terminals and pages, where escape sequences would act, not show. */
export function plainName(name: string): string {
  return name.replace(CONTROL, "");
}

/** STEP-19 display names before evaluation: `name:` when literal, `Run <first line>`, `Run <uses>`. */
/** A `run:` step's script as written (a script holding `${{ }}` is an expression token: its source). */
export function scriptSource(def: StepDef): string | undefined {
  const script = literalString(def.run);
  if (script !== undefined) return script;
  return def.run && isBasicExpression(def.run) ? def.run.source : undefined;
}

export function staticStepName(def: StepDef): string {
  return plainName(rawStaticName(def));
}

function rawStaticName(def: StepDef): string {
  const name = literalString(def.name);
  if (name) return name;
  if (def.uses) return `Run ${def.uses}`;
  const script = literalString(def.run);
  if (script !== undefined) return `Run ${firstLine(script)}`;
  if (def.run && isBasicExpression(def.run))
    return `Run ${firstLine((def.run.source ?? def.run.expression).replace(/\$\{\{\s*|\s*\}\}/g, ""))}`;
  return "Run step";
}

/** The display name once the step runs: `name:` and `run:` evaluated (STEP-09). */
export function evaluatedStepName(def: StepDef, ctx: Contexts, fns: ExtraFunctions): string {
  try {
    if (def.name) return plainName(evaluateString(def.name, ctx, fns) ?? "") || staticStepName(def);
    if (def.run && literalString(def.run) === undefined)
      return plainName(`Run ${firstLine(evaluateString(def.run, ctx, fns) ?? "")}`);
  } catch {
    // the step itself reports the expression error
  }
  return staticStepName(def);
}
