import { dirname, join } from "node:path";
import { pick, type Installed } from "./versions.js";
import { completeNode } from "./node-bundle.js";
import { cachedNodes, fetchNode, publishedNodes, RegistryError } from "./node-registry.js";
import { isAlias, resolveNodeSpec } from "./node-spec.js";
import { errorMessage, type Result } from "../../contract/index.js";

/** Where `provideNode` may look and fetch. */
export interface NodeSources {
  /** Nodes installed on this machine (PATH, version managers). */
  installed: Installed[];
  /** `$STAX_HOME/tools`; absent: nothing is fetched. */
  toolCache?: string;
  /** The environment `npm` runs with (its registry, proxy and auth settings). */
  env: Record<string, string>;
  /** A folder for npm to run in. */
  cwd: string;
  /** setup-node's `check-latest`: ask the registry even when a local Node matches. */
  checkLatest?: boolean;
  log: (line: string) => void;
  /** The clock `lts/*` reads the release calendar by (a run's injected clock in tests). */
  now?: Date;
}

/** The one command that fills the tool cache with what `spec` asks for. */
export const addCommand = (spec: string): string => `stax tools add node ${/\s/.test(spec) ? `'${spec}'` : spec}`;

/**
 * The Node `spec` asks for (or why there is none), as setup-node chooses it: a local one (installed, or in the tool
 * cache) that matches a version or range; otherwise — and for `latest`, `current` and `lts/…`,
 * which only the registry can answer, or with `check-latest` — the version the registry's list
 * resolves to, used locally when present and else fetched into the tool cache.
 */
export async function provideNode(spec: string, o: NodeSources): Promise<Result<Installed>> {
  const r = await chooseNode(spec, o);
  // A Node of the tool cache gets the npm (and corepack) its release had; one of the machine has its own.
  if (r.ok && o.toolCache && r.value.bin.startsWith(join(o.toolCache, "node"))) {
    const warning = await completeNode(r.value.version, dirname(r.value.bin), o.env, o.log);
    if (warning) o.log(`##[warning]${warning}`);
  }
  return r;
}

async function chooseNode(spec: string, o: NodeSources): Promise<Result<Installed>> {
  const cached: Installed[] = o.toolCache
    ? cachedNodes(o.toolCache).map((c) => ({
        version: c.version,
        bin: c.bin,
        exe: `${c.bin}/node`,
        from: "the stax tool cache",
      }))
    : [];
  const local = [...o.installed, ...cached];
  const alias = isAlias(spec);
  const localMatch = alias ? undefined : pick(local, spec);
  if (localMatch && !o.checkLatest) return { ok: true, value: localMatch };
  const have = [...new Set(local.map((i) => `${i.version} (${i.from})`))].join(", ") || "none";
  if (!o.toolCache) {
    if (localMatch) return { ok: true, value: localMatch };
    return {
      ok: false,
      error: `No Node matching '${spec}' is installed on this machine (found: ${have}).${alias ? " Resolving it needs the npm registry." : ""} Install it (e.g. nvm install ${spec}) or change node-version.`,
    };
  }
  let versions: string[];
  let published: Record<string, string>;
  try {
    ({ versions, published } = await publishedNodes(o.env, o.cwd));
  } catch (err) {
    if (localMatch) {
      o.log(
        `##[warning]check-latest: the npm registry did not answer (${errorMessage(err)}); using Node ${localMatch.version}`,
      );
      return { ok: true, value: localMatch };
    }
    return {
      ok: false,
      error: `No Node matching '${spec}' is on this machine (found: ${have}) and the npm registry could not be asked for it (${errorMessage(err)}). Fetch it once while online with: ${addCommand(spec)}`,
    };
  }
  const resolved = resolveNodeSpec(spec, versions, { published, now: o.now ?? new Date() });
  if (!resolved.ok)
    return { ok: false, error: `Unable to find Node version '${spec}': ${resolved.error} (on this machine: ${have})` };
  const version = resolved.value;
  const present = local.find((i) => i.version === version);
  if (present) return { ok: true, value: present };
  try {
    const bin = await fetchNode(version, o.toolCache, o.env, o.log);
    return {
      ok: true,
      value: { version, bin, exe: `${bin}/node`, from: "the npm registry, now in the stax tool cache" },
    };
  } catch (err) {
    const why = err instanceof RegistryError || errorMessage(err);
    return {
      ok: false,
      error: `Could not fetch Node ${version} for '${spec}': ${why}. Retry while online with: ${addCommand(version)}`,
    };
  }
}
