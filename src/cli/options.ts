import { readFileSync } from "node:fs";
import { parseDotenv } from "../config/dotenv.js";
import { JSON_MAX_DEPTH, jsonTooDeep, StaxError, errorMessage } from "../contract/index.js";

/** Collects repeated `--flag K=V` options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `K=V` pairs to a map; a pair without `=` is a usage error naming the flag. */
export function pairs(list: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new StaxError("BAD_REQUEST", `${flag} expects KEY=VALUE, got '${item}'`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** Values of a dotenv file (secrets, env); errors name the file and line. */
export function dotenvFile(path: string | undefined, flag: string): Record<string, string> {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new StaxError("BAD_REQUEST", `${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  const { values, errors } = parseDotenv(text);
  if (errors.length)
    throw new StaxError("BAD_REQUEST", errors.map((e) => `${path}:${e.line}: ${e.message}`).join("\n"));
  return values;
}

/** A JSON event payload file. */
export function jsonFile(path: string | undefined, flag: string): Record<string, unknown> | undefined {
  if (!path) return undefined;
  try {
    const v = JSON.parse(readFileSync(path, "utf8"));
    if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("not a JSON object");
    if (jsonTooDeep(v)) throw new Error(`the JSON nests deeper than ${JSON_MAX_DEPTH} levels`);
    return v;
  } catch (err) {
    throw new StaxError("BAD_REQUEST", `${flag}: ${path}: ${errorMessage(err)}`);
  }
}
