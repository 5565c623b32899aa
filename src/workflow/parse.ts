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
import { isAlias, isMap, isPair, isSeq, type Document, type Node } from "yaml";
import type { Diagnostic } from "../contract/index.js";

/** Nodes YAML aliases may add to a file once expanded: a 1.4 KB alias bomb expands to 9^9. */
export const MAX_ALIAS_NODES = 100_000;

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
    if (
      token &&
      isString(token) &&
      token.source !== undefined &&
      token.range &&
      token.range.start.line !== token.range.end.line
    ) {
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
  const text = content.replace(/\r\n/g, "\n");
  const reader = new ValueReader(fileId, text);
  if (reader.errors.length > 0) {
    for (const err of reader.errors) context.error(fileId, err.message, err.range);
    return { root: undefined, context };
  }
  // The template reader expands every alias it meets; refuse before it does when that is too much.
  const bomb = aliasBomb((reader as unknown as { doc: Document }).doc);
  if (bomb) {
    const { line, column } = position(text, bomb.offset);
    context.error(fileId, `YAML aliases here expand to more than ${MAX_ALIAS_NODES} nodes; stax does not expand them`, {
      start: { line, column },
      end: { line, column },
    });
    return { root: undefined, context };
  }
  return { root: readTemplate(context, rootType, reader, fileId), context };
}

/** The alias whose expansion takes the document past MAX_ALIAS_NODES extra nodes, if any (memoised: linear in the document). */
function aliasBomb(doc: Document): { offset: number } | undefined {
  const sizes = new Map<unknown, number>();
  let extra = 0;
  let culprit: Node | undefined;
  const size = (node: unknown, inAlias: boolean): number => {
    if (!node || typeof node !== "object") return 1;
    const known = sizes.get(node);
    if (known !== undefined && (inAlias || !isAlias(node))) return known;
    sizes.set(node, 0); // a cycle counts as nothing
    let n = 1;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      const expanded = target ? size(target, true) : 1;
      if (!inAlias) {
        extra += expanded;
        if (extra > MAX_ALIAS_NODES) culprit ??= node;
      }
      n = expanded;
    } else if (isMap(node) || isSeq(node)) {
      for (const item of node.items) n += size(item, inAlias);
    } else if (isPair(node)) {
      n += size(node.key, inAlias) + size(node.value, inAlias);
    }
    sizes.set(node, n);
    return n;
  };
  size(doc.contents, false);
  return culprit ? { offset: culprit.range?.[0] ?? 0 } : undefined;
}

/** 1-based line and column of an offset. */
function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
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
