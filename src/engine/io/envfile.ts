import type { Result } from "../../contract/index.js";

/** Why a file command's content could not be read, and on which line (1-based). */
export interface EnvFileError {
  message: string;
  line: number;
}

/**
 * FILE-03: the GITHUB_ENV / GITHUB_OUTPUT / GITHUB_STATE syntax. LF-separated (a CR stays in
 * values); empty lines skipped; whichever of `=` and `<<` comes first decides the form;
 * `NAME<<DELIM` takes the following lines up to one exactly equal to DELIM, joined with LF.
 */
export function parseEnvFile(content: string): Result<[string, string][], EnvFileError> {
  const lines = content.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const pairs: [string, string][] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === "" || line === "\r") continue;
    const eq = line.indexOf("=");
    const hd = line.indexOf("<<");
    if (eq < 0 && hd < 0) return { ok: false, error: { message: `Invalid format '${line}'`, line: i + 1 } };
    if (eq >= 0 && (hd < 0 || eq < hd)) {
      const name = line.slice(0, eq);
      if (!name) return { ok: false, error: { message: `Invalid format '${line}': the name is empty`, line: i + 1 } };
      pairs.push([name, line.slice(eq + 1)]);
      continue;
    }
    const name = line.slice(0, hd);
    const delimiter = line.slice(hd + 2);
    if (!name) return { ok: false, error: { message: `Invalid format '${line}': the name is empty`, line: i + 1 } };
    if (!delimiter)
      return { ok: false, error: { message: `Invalid format '${line}': the delimiter is empty`, line: i + 1 } };
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end] !== delimiter) end++;
    if (end >= lines.length)
      return { ok: false, error: { message: `Matching delimiter not found '${delimiter}'`, line: i + 1 } };
    pairs.push([name, lines.slice(start, end).join("\n")]);
    i = end;
  }
  return { ok: true, value: pairs };
}
