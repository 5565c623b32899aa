import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  BasicExpressionToken,
  BooleanToken,
  InsertExpressionToken,
  KeyValuePair,
  MappingToken,
  NullToken,
  NumberToken,
  SequenceToken,
  StringToken,
  TemplateToken,
} from "@actions/workflow-parser/templates/tokens/index";
import { TokenType } from "@actions/workflow-parser/templates/tokens/types";
import type { LoadedWorkflow } from "./load.js";

/**
 * Loaded workflows kept on disk between processes: `stax run` of an unchanged file skips the
 * parser's schema (read on first use, ~20 ms of CPU) and the parse. One file per workflow path,
 * holding the hash of what it was loaded from (the text, the paths its messages name, the stax
 * build), so a changed file or another build is parsed again and the folder never holds more
 * files than there are workflows.
 */
let kept: { dir: string; salt: string } | undefined;

/** Keeps loaded workflows in `dir` (undefined: keeps none); `salt` names the build (a build's parser may read a file differently). */
export function keepLoadedWorkflows(dir: string | undefined, salt = ""): void {
  kept = dir === undefined ? undefined : { dir, salt };
}

const PROTOTYPES: Record<number, object> = {
  [TokenType.String]: StringToken.prototype,
  [TokenType.Sequence]: SequenceToken.prototype,
  [TokenType.Mapping]: MappingToken.prototype,
  [TokenType.BasicExpression]: BasicExpressionToken.prototype,
  [TokenType.InsertExpression]: InsertExpressionToken.prototype,
  [TokenType.Boolean]: BooleanToken.prototype,
  [TokenType.Number]: NumberToken.prototype,
  [TokenType.Null]: NullToken.prototype,
};

/** A value as JSON-safe data: tokens and pairs tagged, `undefined` kept in arrays; anything else unknown throws. */
function encode(value: unknown): unknown {
  if (value === undefined) return { $u: 1 };
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(encode);
  if (value instanceof KeyValuePair) return { $kv: [encode(value.key), encode(value.value)] };
  const proto = Object.getPrototypeOf(value);
  if (value instanceof TemplateToken) {
    // The schema's definitions (definitionInfo) serve the parser's checks only; stax reads none.
    const own = Object.entries(value).filter(([k]) => k !== "definitionInfo" && k !== "type");
    return { $t: value.templateTokenType, ...Object.fromEntries(own.map(([k, v]) => [k, encode(v)])) };
  }
  if (proto !== Object.prototype && proto !== null) throw new Error(`cannot keep a ${proto?.constructor?.name}`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
}

function decode(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(decode);
  const o = value as Record<string, unknown>;
  if (o.$u === 1) return undefined;
  if (Array.isArray(o.$kv)) return new KeyValuePair(decode(o.$kv[0]) as never, decode(o.$kv[1]) as never);
  const fields = Object.fromEntries(Object.entries(o).map(([k, v]) => [k, decode(v)]));
  if (typeof o.$t !== "number") return fields;
  const proto = PROTOTYPES[o.$t];
  if (!proto) throw new Error(`unknown token type ${o.$t}`);
  const { $t, ...rest } = fields;
  return Object.assign(Object.create(proto) as object, { type: $t, ...rest, definitionInfo: undefined });
}

const fileOf = (dir: string, abs: string): string =>
  join(dir, `${createHash("sha256").update(abs).digest("hex").slice(0, 32)}.json`);
const hashOf = (parts: string[]): string => createHash("sha256").update(parts.join("\0")).digest("hex");

/** A workflow's place among the kept ones: what it loaded to last time, if that was from the same `parts`, and how to keep what it loads to now. */
export interface KeptSlot {
  loaded?: LoadedWorkflow;
  /** Keeps what `parts` loaded to (its text aside: that is read anyway); one that cannot be kept is parsed next time. */
  keep(loaded: LoadedWorkflow): void;
}

/** The kept workflow at `abs` for `parts` (the paths and the text it is loaded from); undefined when none are kept. */
export function keptSlot(abs: string, parts: string[]): KeptSlot | undefined {
  if (!kept) return undefined;
  const { dir, salt } = kept;
  const file = fileOf(dir, abs);
  const hash = hashOf([salt, ...parts]);
  return {
    loaded: read(file, hash),
    keep(loaded) {
      try {
        const body = JSON.stringify({ hash, loaded: encode({ ...loaded, source: "" }) });
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        writeFileSync(`${file}.${process.pid}.tmp`, body, { mode: 0o600 });
        renameSync(`${file}.${process.pid}.tmp`, file);
      } catch {
        // a cache: the next run parses the file again
      }
    },
  };
}

function read(file: string, hash: string): LoadedWorkflow | undefined {
  try {
    const saved = JSON.parse(readFileSync(file, "utf8")) as { hash: string; loaded: unknown };
    return saved.hash === hash ? (decode(saved.loaded) as LoadedWorkflow) : undefined;
  } catch {
    return undefined; // none kept, or unreadable: parsed again
  }
}
