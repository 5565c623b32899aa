import { getActionSchema } from "@actions/workflow-parser/actions/action-schema";
import { TemplateContext, TemplateValidationErrors } from "@actions/workflow-parser/templates/template-context";
import { readTemplate } from "@actions/workflow-parser/templates/template-reader";
import type { TemplateSchema } from "@actions/workflow-parser/templates/schema/template-schema";
import { NoOperationTraceWriter } from "@actions/workflow-parser/templates/trace-writer";
import { isString } from "@actions/workflow-parser/templates/tokens/type-guards";
import { StringToken } from "@actions/workflow-parser/templates/tokens/string-token";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { WORKFLOW_ROOT } from "@actions/workflow-parser/workflows/workflow-constants";
import { getWorkflowSchema } from "@actions/workflow-parser/workflows/workflow-schema";
import { YamlObjectReader } from "@actions/workflow-parser/workflows/yaml-object-reader";
import type { Diagnostic } from "../contract/index.js";

/**
 * Works around a bug of @actions/workflow-parser 0.3.61: for a multi-line string that holds
 * `${{ }}`, the template reader builds the expression from the raw YAML *source* (indentation,
 * quotes and block-scalar text included), so `run: |` scripts gain their YAML indentation and
 * `matrix: |- ${{ fromJSON(…) }}` turns into a string. Dropping the source of multi-line strings
 * makes it read the parsed value, as GitHub does; positions inside such strings become approximate.
 */
class ValueReader extends YamlObjectReader {
  override allowLiteral(): ReturnType<YamlObjectReader["allowLiteral"]> {
    const token = super.allowLiteral();
    if (token && isString(token) && token.source !== undefined && token.range && token.range.start.line !== token.range.end.line) {
      return new StringToken(token.file, token.range, token.value, undefined, undefined, token.blockScalarHeader);
    }
    return token;
  }
}

export interface ParsedTemplate {
  /** The schema-checked token tree; undefined when the YAML itself is invalid. */
  root: TemplateToken | undefined;
  context: TemplateContext;
}

function parseWith(fileName: string, content: string, schema: TemplateSchema, rootType: string): ParsedTemplate {
  const context = new TemplateContext(new TemplateValidationErrors(), schema, new NoOperationTraceWriter());
  const fileId = context.getFileId(fileName);
  // CRLF files: the parser keeps the CR inside block scalars; GitHub does not. Removing it keeps every position.
  const reader = new ValueReader(fileId, content.replace(/\r\n/g, "\n"));
  if (reader.errors.length > 0) {
    for (const err of reader.errors) context.error(fileId, err.message, err.range);
    return { root: undefined, context };
  }
  return { root: readTemplate(context, rootType, reader, fileId), context };
}

/** Parses and schema-checks a workflow file's text. */
export function parseWorkflowText(fileName: string, content: string): ParsedTemplate {
  return parseWith(fileName, content, getWorkflowSchema(), WORKFLOW_ROOT);
}

/**
 * Parses and schema-checks an action.yml's text with the runner's loose root (ACT-01: only
 * `runs` is required, unknown keys are ignored), not the editor's strict one.
 */
export function parseActionText(fileName: string, content: string): ParsedTemplate {
  return parseWith(fileName, content, getActionSchema(), "action-root");
}

/** Every error the parser collected, as `file:line:col` diagnostics (line/col 1 when unknown). */
export function diagnosticsOf(context: TemplateContext, fileName: string): Diagnostic[] {
  return context.errors.getErrors().map((e) => ({
    file: fileName,
    line: e.range?.start.line ?? 1,
    column: e.range?.start.column ?? 1,
    message: e.rawMessage,
  }));
}
