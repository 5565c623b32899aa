import type { Store } from "./store.js";

/**
 * GitHub's rule for configuration variable names: letters, digits and `_`, not starting with a
 * digit nor with the reserved `GITHUB_` prefix.
 */
export function isVarName(name: string): boolean {
  // `__proto__` would vanish into an object's prototype wherever names become keys (as for secrets).
  return /^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name) && !/^GITHUB_/i.test(name) && name !== "__proto__";
}

/** The stored repository variables as the `vars` context (CTX-08: run-level values go over these). */
export async function storedVars(store: Store): Promise<Record<string, string>> {
  return Object.fromEntries((await store.vars.list()).map((v) => [v.name, v.value]));
}
