import { StaxError } from "../contract/index.js";
import type { LoadedWorkflow } from "../workflow/index.js";

/**
 * A stored secret the workflow names (`secrets.X`, `secrets['X']`, or all of them through
 * `secrets: inherit`) that the key in use cannot decrypt fails the run before it starts, saying so.
 */
export function assertReadable(
  workflow: LoadedWorkflow,
  unreadable: string[],
  given: Record<string, string>,
  keySource: string,
): void {
  const missing = unreadable.filter((n) => !(n in given) && usesSecret(workflow.source, n));
  if (missing.length)
    throw new StaxError(
      "SECRET_UNREADABLE",
      `secret${missing.length > 1 ? "s" : ""} ${missing.map((n) => `'${n}'`).join(", ")} cannot be decrypted with ${keySource}; it was stored under another key: set it again (stax secret set ${missing[0]}) or start with the key it was stored under`,
    );
}

function usesSecret(source: string, name: string): boolean {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(
    `secrets\\s*(\\.\\s*${esc}\\b|\\[\\s*['"]${esc}['"]\\s*\\])|secrets\\s*:\\s*inherit|toJSON\\(\\s*secrets\\s*\\)`,
    "i",
  ).test(source);
}
