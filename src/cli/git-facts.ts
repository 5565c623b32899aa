import { join } from "node:path";
import { keepGitFacts } from "../engine/index.js";
import { cliConfig } from "./discovery.js";
import { VERSION } from "./version.js";

/**
 * Keeps the workspace's git facts (HEAD's commit, branch, remote, user) in its data folder
 * between `stax run`s, so a run asks git only after HEAD, its commit or a config changed. What
 * else git's answers depend on (its environment variables, HOME) and the version salt the file.
 */
export function keepWorkspaceGitFacts(workspace: string | undefined): void {
  const env = Object.entries(process.env)
    .filter(([k]) => /^(GIT_.*|HOME|XDG_CONFIG_HOME)$/.test(k))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`);
  keepGitFacts(join(cliConfig({ workspace }).dataDir, "git-facts.json"), [VERSION, ...env].join("\0"));
}
