import { data, Evaluator } from "@actions/expressions";
import type { Expr, FunctionCall } from "@actions/expressions/ast";
import type { FunctionDefinition } from "@actions/expressions/funcs/info";
import { wellKnownFunctions } from "@actions/expressions/funcs";

/**
 * The memory one evaluation may use (bytes, counted as GitHub's runner counts them: 26 + 2 per
 * character of each string a function makes, 24 per other value). GitHub stops an expression past
 * its budget with the error below; stax's budget is 10 MiB, shared by every expression of one
 * template (a step's `env:`, `with:`, `run:`), so nested `format()` calls cannot build gigabytes.
 */
export const EXPRESSION_MEMORY_LIMIT = 10 * 1024 * 1024;

/** GitHub's message, then stax's limit. */
export class MemoryExceeded extends Error {
  constructor(readonly expression: string) {
    super(
      `The maximum allowed memory size was exceeded while evaluating the following expression: ${expression} (stax's limit: ${EXPRESSION_MEMORY_LIMIT / 1024 / 1024} MiB per evaluation)`,
    );
    this.name = "MemoryExceeded";
  }
}

/**
 * What one template's evaluation holds: the values its expressions made, and while a function
 * runs, its arguments. As in GitHub's runner, a function's arguments are let go once its result
 * is made, so what counts is the peak, not the sum of every step of a nesting.
 */
export class MemoryBudget {
  private held = 0;

  constructor(private readonly limit = EXPRESSION_MEMORY_LIMIT) {}

  get used(): number {
    return this.held;
  }

  /** Adds bytes held from now on; throws MemoryExceeded past the limit. */
  add(bytes: number, expression: string): void {
    this.held += bytes;
    if (this.held > this.limit) throw new MemoryExceeded(expression);
  }

  /** Back to what was held at `mark` (a function's arguments let go), then its result held. */
  release(mark: number, result: number, expression: string): void {
    this.held = mark;
    this.add(result, expression);
  }
}

const stringBytes = (chars: number): number => 26 + 2 * chars;

/**
 * The library's evaluator with every function call counted against a budget: `format` and `join`
 * before they run (from their arguments, so a bomb is stopped before it allocates), the others
 * by their result.
 */
export class BudgetedEvaluator extends Evaluator {
  constructor(
    n: Expr,
    context: data.Dictionary,
    private readonly fns: Map<string, FunctionDefinition>,
    private readonly budget: MemoryBudget,
    private readonly expression: string,
  ) {
    super(n, context, fns);
  }

  override visitFunctionCall(call: FunctionCall): data.ExpressionData {
    const mark = this.budget.used;
    const args = call.args.map((arg) => this.eval(arg));
    const name = call.functionName.lexeme.toLowerCase();
    const f = this.fns.get(name) ?? wellKnownFunctions[name];
    const expected = name === "format" ? formatSize(args) : name === "join" ? joinSize(args) : undefined;
    // Checked with the arguments still held, before the string is made.
    if (expected !== undefined) this.budget.add(stringBytes(expected), this.expression);
    const result = f.call(...args);
    this.budget.release(mark, valueBytes(name, result, args), this.expression);
    return result;
  }
}

/** What a function's result holds: a string by its length; fromJSON's by the text it read. */
function valueBytes(name: string, result: data.ExpressionData, args: data.ExpressionData[]): number {
  if (result.kind === data.Kind.String) return stringBytes(result.coerceString().length);
  if (name === "fromjson") return 24 + 2 * (args[0]?.coerceString().length ?? 0);
  return 24;
}

/** At most what format() makes: its text, and each argument once per `{n}` naming it. */
function formatSize(args: data.ExpressionData[]): number {
  const text = args[0]?.coerceString() ?? "";
  let size = text.length;
  for (const m of text.matchAll(/\{(\d+)\}/g)) size += args[Number(m[1]) + 1]?.coerceString().length ?? 0;
  return size;
}

/** What join() makes: the items and the separators between them. */
function joinSize(args: data.ExpressionData[]): number {
  const [list, sep] = args;
  if (!list || list.kind !== data.Kind.Array) return list?.coerceString().length ?? 0;
  const items = (list as data.Array).values();
  let size = Math.max(0, items.length - 1) * (sep ? sep.coerceString().length : 1);
  for (const item of items) size += item.primitive ? item.coerceString().length : 0;
  return size;
}
