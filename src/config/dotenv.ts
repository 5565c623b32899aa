const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

/**
 * dotenv syntax for `--secret-file`, `--env-file` and secret imports: `KEY=value` (or `KEY: value`,
 * as godotenv reads it for act), optional `export `, `#` comments, single quotes literal, double
 * quotes with `\n \r \t \" \\` escapes (and may span lines), inline ` #` comments after unquoted
 * values.
 */
export function parseDotenv(content: string): {
  values: Record<string, string>;
  errors: { line: number; message: string }[];
} {
  const values: Record<string, string> = {};
  // Defined, not assigned: a line `__proto__=x` is an entry like any other (the caller decides whether the name is allowed).
  const set = (key: string, value: string) =>
    Object.defineProperty(values, key, { value, enumerable: true, writable: true, configurable: true });
  const errors: { line: number; message: string }[] = [];
  const lines = content.replace(/\r\n/g, "\n").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].trim();
    if (!line || line.startsWith("#")) continue;
    const body = line.startsWith("export ") ? line.slice(7).trimStart() : line;
    // The first `=` or `:` (godotenv's `KEY: value`, which act reads): a value may hold either.
    const eq = body.search(/[=:]/);
    if (eq < 0) {
      errors.push({ line: lineNo, message: `expected KEY=value or KEY: value, got '${body}'` });
      continue;
    }
    const key = body.slice(0, eq).trim();
    if (!KEY.test(key)) {
      errors.push({ line: lineNo, message: `invalid name '${key}'` });
      continue;
    }
    let rest = body.slice(eq + 1).trimStart();
    if (rest.startsWith('"')) {
      let text = rest.slice(1);
      let out = "";
      for (;;) {
        let j = 0;
        let closed = false;
        for (; j < text.length; j++) {
          const c = text[j];
          if (c === "\\" && j + 1 < text.length) {
            out += ESCAPES[text[j + 1]] ?? `\\${text[j + 1]}`;
            j++;
          } else if (c === '"') {
            closed = true;
            break;
          } else out += c;
        }
        if (closed) break;
        if (i + 1 >= lines.length) {
          errors.push({ line: lineNo, message: `unterminated double quote for '${key}'` });
          break;
        }
        out += "\n";
        text = lines[++i];
      }
      set(key, out);
    } else if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      if (end < 0) errors.push({ line: lineNo, message: `unterminated single quote for '${key}'` });
      else set(key, rest.slice(1, end));
    } else {
      const hash = rest.search(/\s#/);
      if (hash >= 0) rest = rest.slice(0, hash);
      set(key, rest.trim());
    }
  }
  return { values, errors };
}
