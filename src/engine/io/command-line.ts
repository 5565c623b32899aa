/**
 * Splits a command line into arguments as the runner's process start does (the rules of .NET's
 * argument parsing, which a custom shell's arguments (STEP-12) and a Docker step's `with: args`
 * both go through): blanks separate; double quotes group, `""` inside them is one quote; a run
 * of backslashes before a quote halves and, if odd, escapes it; single quotes are plain text.
 */
export function splitCommandLine(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  let started = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") {
      let n = 0;
      while (s[i + n] === "\\") n++;
      if (s[i + n] === '"') {
        cur += "\\".repeat(n >> 1);
        if (n % 2) cur += '"';
        else quoted = !quoted;
        i += n;
      } else {
        cur += "\\".repeat(n);
        i += n - 1;
      }
      started = true;
    } else if (c === '"') {
      if (quoted && s[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
      started = true;
    } else if (!quoted && (c === " " || c === "\t" || c === "\n")) {
      if (started) out.push(cur);
      cur = "";
      started = false;
    } else {
      cur += c;
      started = true;
    }
  }
  if (started) out.push(cur);
  return out;
}
