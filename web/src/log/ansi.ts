/** ANSI SGR colours → styled segments. Other escape sequences are dropped. */
import { ANSI_ESCAPE as ESCAPE } from "../../../src/contract/index.js";

export interface Segment {
  text: string;
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

// Tuned for the log's dark background (the log stays dark in both themes, like a terminal).
const BASE = ["#6e7681", "#ff7b72", "#3fb950", "#d29922", "#58a6ff", "#bc8cff", "#39c5cf", "#b1bac4"];
const BRIGHT = ["#8b949e", "#ffa198", "#56d364", "#e3b341", "#79c0ff", "#d2a8ff", "#56d4dd", "#ffffff"];

function color256(n: number): string {
  if (n < 8) return BASE[n];
  if (n < 16) return BRIGHT[n - 8];
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v},${v},${v})`;
  }
  const i = n - 16;
  const c = (x: number) => (x === 0 ? 0 : 55 + x * 40);
  return `rgb(${c(Math.floor(i / 36))},${c(Math.floor(i / 6) % 6)},${c(i % 6)})`;
}

/** Splits a line into segments carrying the style in force. */
export function parseAnsi(line: string): Segment[] {
  if (!line.includes("\x1b")) return [{ text: line }];
  const out: Segment[] = [];
  let style: Omit<Segment, "text"> = {};
  let last = 0;
  for (const m of line.matchAll(ESCAPE)) {
    if (m.index > last) out.push({ text: line.slice(last, m.index), ...style });
    last = m.index + m[0].length;
    if (m[2] !== "m") continue;
    const codes = (m[1] || "0").split(";").map((x) => Number(x) || 0);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c === 0) style = {};
      else if (c === 1) style = { ...style, bold: true };
      else if (c === 2) style = { ...style, dim: true };
      else if (c === 3) style = { ...style, italic: true };
      else if (c === 4) style = { ...style, underline: true };
      else if (c === 22) style = { ...style, bold: false, dim: false };
      else if (c === 23) style = { ...style, italic: false };
      else if (c === 24) style = { ...style, underline: false };
      else if (c >= 30 && c <= 37) style = { ...style, fg: BASE[c - 30] };
      else if (c >= 90 && c <= 97) style = { ...style, fg: BRIGHT[c - 90] };
      else if (c >= 40 && c <= 47) style = { ...style, bg: BASE[c - 40] };
      else if (c >= 100 && c <= 107) style = { ...style, bg: BRIGHT[c - 100] };
      else if (c === 39) style = { ...style, fg: undefined };
      else if (c === 49) style = { ...style, bg: undefined };
      else if ((c === 38 || c === 48) && codes[i + 1] === 5) {
        style = { ...style, [c === 38 ? "fg" : "bg"]: color256(codes[i + 2] ?? 0) };
        i += 2;
      } else if ((c === 38 || c === 48) && codes[i + 1] === 2) {
        style = {
          ...style,
          [c === 38 ? "fg" : "bg"]: `rgb(${codes[i + 2] ?? 0},${codes[i + 3] ?? 0},${codes[i + 4] ?? 0})`,
        };
        i += 4;
      }
    }
  }
  if (last < line.length) out.push({ text: line.slice(last), ...style });
  return out;
}
