import { join } from "node:path";
import { keepGitFacts } from "../engine/index.js";
import { keepLoadedWorkflows } from "../workflow/index.js";
import { cliConfig } from "./discovery.js";
import { BUILD, VERSION } from "./version.js";

/**
 * What `stax run` keeps in the workspace's data folder for the next run: the git facts (HEAD's
 * commit, branch, remote, user), asked of git again only after HEAD, its commit or a config
 * changed (what else git's answers depend on, its environment variables and HOME, salts the
 * file); and the loaded workflows, parsed again only when their text or the build changed.
 */
export function keepBetweenRuns(workspace: string | undefined): void {
  const { dataDir } = cliConfig({ workspace });
  const env = Object.entries(process.env)
    .filter(([k]) => /^(GIT_.*|HOME|XDG_CONFIG_HOME)$/.test(k))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`);
  keepGitFacts(join(dataDir, "git-facts.json"), [VERSION, ...env].join("\0"));
  // Run from the sources (no build hash), the parser's code may change between two runs: nothing is kept.
  if (BUILD) keepLoadedWorkflows(join(dataDir, "workflows"), BUILD);
}
