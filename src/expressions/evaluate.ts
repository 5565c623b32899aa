import { data, Lexer, Parser } from "@actions/expressions";
import { TokenType } from "@actions/expressions/lexer";
import type { FunctionDefinition, FunctionInfo } from "@actions/expressions/funcs/info";
import type { Expr } from "@actions/expressions/ast";
import {
  isBasicExpression,
  isInsertKey,
  isMapping,
  isSequence,
  literalValue,
  mapPairs,
  type TemplateToken,
} from "../workflow/tokens.js";
import { fromData, stringify, toData, truthy } from "./data.js";
import { errorMessage } from "../contract/index.js";
import { BudgetedEvaluator, MemoryBudget, MemoryExceeded } from "./budget.js";

/** Every context name an expression may use; all are always present (the expressions library throws on a context it is not given, rather than yielding null). */
export const CONTEXT_NAMES = [
  "github",
  "env",
  "vars",
  "secrets",
  "inputs",
  "matrix",
  "strategy",
  "needs",
  "steps",
  "job",
  "jobs",
  "runner",
] as const;
export type Contexts = Partial<Record<(typeof CONTEXT_NAMES)[number], unknown>>;

/** The functions stax adds to GitHub's built-ins; status functions only where an `if` is evaluated. */
export interface ExtraFunctions {
  success?: (...jobIds: string[]) => boolean;
  failure?: (...jobIds: string[]) => boolean;
  cancelled?: () => boolean;
  always?: () => boolean;
  hashFiles?: (...patterns: string[]) => string;
}

const EXTRA_INFO: FunctionInfo[] = [
  { name: "success", minArgs: 0, maxArgs: 255 },
  { name: "failure", minArgs: 0, maxArgs: 255 },
  { name: "cancelled", minArgs: 0, maxArgs: 0 },
  { name: "always", minArgs: 0, maxArgs: 0 },
  { name: "hashFiles", minArgs: 1, maxArgs: 255 },
];

/** An expression error with the expression text, for step logs. */
export class ExpressionFault extends Error {
  constructor(
    readonly expression: string,
    cause: unknown,
  ) {
    // GitHub's memory error names the expression already.
    super(cause instanceof MemoryExceeded ? cause.message : `${errorMessage(cause)} (in expression: ${expression})`);
    this.name = "ExpressionFault";
  }
}

const parsed = new Map<string, Expr>();

function parse(expression: string): Expr {
  let ast = parsed.get(expression);
  if (!ast) {
    const lexed = new Lexer(expression).lex();
    // @actions/expressions 0.3.61 unescapes only the first `''` of a string literal
    // (`value.replace("''", "'")`); recompute every string value from its lexeme.
    for (const t of lexed.tokens) {
      if (t.type === TokenType.STRING && t.lexeme.length >= 2) t.value = t.lexeme.slice(1, -1).replaceAll("''", "'");
    }
    ast = new Parser(lexed.tokens, [...CONTEXT_NAMES], EXTRA_INFO).parse();
    if (parsed.size > 5000) parsed.clear();
    parsed.set(expression, ast);
  }
  return ast;
}

function functionMap(fns: ExtraFunctions): Map<string, FunctionDefinition> {
  const map = new Map<string, FunctionDefinition>();
  for (const info of EXTRA_INFO) {
    const impl = fns[info.name as keyof ExtraFunctions] as ((...a: string[]) => unknown) | undefined;
    const call = (...args: data.ExpressionData[]): data.ExpressionData => {
      if (!impl) throw new Error(`function '${info.name}' is not available here`);
      return toData(impl(...args.map((a) => stringify(fromData(a)))));
    };
    map.set(info.name.toLowerCase(), { ...info, call });
  }
  return map;
}

/**
 * Evaluates one expression (without `${{ }}`) to a plain JS value, within a memory budget (one
 * of its own unless a template's evaluation shares one). Throws ExpressionFault.
 */
export function evaluate(
  expression: string,
  contexts: Contexts,
  fns: ExtraFunctions = {},
  budget = new MemoryBudget(),
): unknown {
  try {
    const dict = new data.Dictionary(
      ...CONTEXT_NAMES.map((key) => ({ key, value: toData(key in contexts ? contexts[key] : {}) })),
    );
    return fromData(new BudgetedEvaluator(parse(expression), dict, functionMap(fns), budget, expression).evaluate());
  } catch (err) {
    throw new ExpressionFault(expression, err);
  }
}

/** Evaluates an `if` condition (already normalised with a status function) to a boolean. */
export function evaluateCondition(expression: string, contexts: Contexts, fns: ExtraFunctions): boolean {
  return truthy(evaluate(expression, contexts, fns));
}

/**
 * Evaluates a template token (literal, expression, or a mapping/sequence holding them) to plain
 * JS, as GitHub's template evaluator does (it does so though the docs do not say): a mapping key
 * that is an expression is evaluated; `${{ insert }}: <object>` merges that object's entries
 * into the mapping; a sequence item that is an expression evaluating to an array is spliced in.
 */
export function evaluateToken(
  token: TemplateToken | undefined,
  contexts: Contexts,
  fns: ExtraFunctions = {},
  budget = new MemoryBudget(),
): unknown {
  if (!token) return undefined;
  if (isBasicExpression(token)) return evaluate(token.expression, contexts, fns, budget);
  if (isMapping(token)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of mapPairs(token)) {
      const value = evaluateToken(v, contexts, fns, budget);
      if (isInsertKey(k)) {
        if (!value || typeof value !== "object" || Array.isArray(value))
          throw new Error("${{ insert }} needs a mapping as its value");
        Object.assign(out, value);
      } else
        out[
          isBasicExpression(k) ? stringify(evaluate(k.expression, contexts, fns, budget)) : String(literalValue(k) ?? k)
        ] = value;
    }
    return out;
  }
  if (isSequence(token)) {
    const out: unknown[] = [];
    for (let i = 0; i < token.count; i++) {
      const item = token.get(i);
      const value = evaluateToken(item, contexts, fns, budget);
      if (isBasicExpression(item) && Array.isArray(value))
        for (const x of value) out.push(x); // no spread: a huge array would overflow the stack
      else out.push(value);
    }
    return out;
  }
  return literalValue(token);
}

/** A token evaluated and stringified (YAML-03, EXPR-09); undefined when the token is absent. */
export function evaluateString(
  token: TemplateToken | undefined,
  contexts: Contexts,
  fns: ExtraFunctions = {},
): string | undefined {
  if (!token) return undefined;
  return stringify(evaluateToken(token, contexts, fns));
}

/** A mapping token evaluated to string values (env, with, outputs). */
export function evaluateStringMap(
  token: TemplateToken | undefined,
  contexts: Contexts,
  fns: ExtraFunctions = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!token) return out;
  if (isBasicExpression(token)) {
    const v = evaluate(token.expression, contexts, fns);
    if (v && typeof v === "object" && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) out[k] = stringify(x);
    return out;
  }
  // Through evaluateToken, so expression keys and `${{ insert }}` work here too.
  const all = isMapping(token) ? (evaluateToken(token, contexts, fns) as Record<string, unknown>) : {};
  for (const [k, v] of Object.entries(all)) out[k] = stringify(v);
  return out;
}
