/** A workflow command found in a step's output (CMD-01). */
export interface WorkflowCommand {
  /** Lower-cased. */
  name: string;
  /** Keys lower-cased, values unescaped. */
  props: Record<string, string>;
  /** Unescaped. */
  data: string;
}

/** Every command name the runner knows; other `::x::` lines are ordinary output. */
export const KNOWN_COMMANDS: ReadonlySet<string> = new Set([
  "set-output",
  "set-env",
  "add-path",
  "save-state",
  "add-mask",
  "debug",
  "notice",
  "warning",
  "error",
  "group",
  "endgroup",
  "echo",
  "stop-commands",
  "add-matcher",
  "remove-matcher",
]);

/** CMD-02: data `%25` `%0D` `%0A`; property values also `%3A` `%2C`. */
function unescape(s: string, property: boolean): string {
  let out = s.replace(/%0D/gi, "\r").replace(/%0A/gi, "\n");
  if (property) out = out.replace(/%3A/gi, ":").replace(/%2C/gi, ",");
  return out.replace(/%25/g, "%");
}

function parseProps(text: string, sep: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const piece of text.split(sep)) {
    if (!piece) continue;
    const eq = piece.indexOf("=");
    if (eq <= 0) continue;
    props[piece.slice(0, eq).trim().toLowerCase()] = unescape(piece.slice(eq + 1), true);
  }
  return props;
}

/**
 * Parses `::name k=v,k2=v2::data` (leading whitespace allowed) or the legacy
 * `##[name k=v;k2=v2]data`. `line` has no trailing newline. Undefined when it is neither form.
 */
export function parseCommand(line: string): WorkflowCommand | undefined {
  const text = line.endsWith("\r") ? line.slice(0, -1) : line;
  const trimmed = text.trimStart();
  if (trimmed.startsWith("::")) {
    const end = trimmed.indexOf("::", 2);
    if (end < 0) return undefined;
    const head = trimmed.slice(2, end);
    const space = head.indexOf(" ");
    const name = (space < 0 ? head : head.slice(0, space)).toLowerCase();
    if (!name) return undefined;
    return {
      name,
      props: space < 0 ? {} : parseProps(head.slice(space + 1), ","),
      data: unescape(trimmed.slice(end + 2), false),
    };
  }
  if (trimmed.startsWith("##[")) {
    const end = trimmed.indexOf("]");
    if (end < 0) return undefined;
    const head = trimmed.slice(3, end);
    const space = head.indexOf(" ");
    const name = (space < 0 ? head : head.slice(0, space)).toLowerCase();
    if (!name) return undefined;
    return {
      name,
      props: space < 0 ? {} : parseProps(head.slice(space + 1), ";"),
      data: unescape(trimmed.slice(end + 1), false),
    };
  }
  return undefined;
}
