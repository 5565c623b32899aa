import type { MappingToken } from "@actions/workflow-parser/templates/tokens/mapping-token";
import { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import {
  isBasicExpression,
  isBoolean,
  isLiteral,
  isMapping,
  isNumber,
  isSequence,
  isString,
} from "@actions/workflow-parser/templates/tokens/type-guards";

import { TokenType } from "@actions/workflow-parser/templates/tokens/types";

export type { TemplateToken, MappingToken };
export { isBasicExpression, isMapping, isSequence, isString };

/** `${{ insert }}` as a mapping key: its value's entries merge into the mapping. */
export function isInsertKey(token: TemplateToken): boolean {
  return token.templateTokenType === TokenType.InsertExpression;
}

/** The key tokens and values of a mapping token, keys unevaluated (they may be expressions). */
export function mapPairs(token: TemplateToken | undefined): [TemplateToken, TemplateToken][] {
  if (!token || !isMapping(token)) return [];
  const out: [TemplateToken, TemplateToken][] = [];
  for (const pair of token) out.push([pair.key, pair.value]);
  return out;
}

/** The value of `key` in a mapping token (keys compared as written). */
export function mapGet(token: TemplateToken | undefined, key: string): TemplateToken | undefined {
  if (!token || !isMapping(token)) return undefined;
  for (const pair of token) if (isString(pair.key) && pair.key.value === key) return pair.value;
  return undefined;
}

/** The entries of a mapping token in document order. */
export function mapEntries(token: TemplateToken | undefined): [string, TemplateToken][] {
  if (!token || !isMapping(token)) return [];
  const out: [string, TemplateToken][] = [];
  // A complex key (`? [a, b]`) reads as a string token without a value: the schema reports it; it is no entry.
  for (const pair of token) {
    const key = isString(pair.key) ? pair.key.value : String(pair.key);
    if (typeof key === "string") out.push([key, pair.value]);
  }
  return out;
}

/** A literal token as a plain JS value; undefined for expressions (they need evaluation). */
export function literalValue(token: TemplateToken | undefined): unknown {
  if (!token) return undefined;
  if (isBasicExpression(token)) return undefined;
  if (isString(token)) return token.value;
  if (isNumber(token)) return token.value;
  if (isBoolean(token)) return token.value;
  if (isLiteral(token)) return null;
  if (isSequence(token)) {
    const out: unknown[] = [];
    for (let i = 0; i < token.count; i++) out.push(literalValue(token.get(i)));
    return out;
  }
  if (isMapping(token)) return Object.fromEntries(mapEntries(token).map(([k, v]) => [k, literalValue(v)]));
  return undefined;
}

/** A literal scalar as a string (YAML-03 stringification), or undefined. */
export function literalString(token: TemplateToken | undefined): string | undefined {
  const v = literalValue(token);
  if (v === undefined) return undefined;
  if (v === null) return "";
  return typeof v === "object" ? undefined : String(v);
}

/** The expression texts of every `${{ }}` in a token, at any depth (keys included). */
export function expressionsIn(token: TemplateToken | undefined): string[] {
  if (!token) return [];
  const out: string[] = [];
  for (const [, t] of TemplateToken.traverse(token)) if (isBasicExpression(t)) out.push(t.expression);
  return out;
}
