/** Expression evaluation on GitHub's own evaluator, plus status functions and hashFiles. */
export * from "./evaluate.js";
export { stringify, truthy, formatNumber } from "./data.js";
export { hashFiles, hashFilesAsync, hashFilesKey, prefetchHashFiles } from "./hashfiles.js";
export { decides, globFiles, globFilesAsync, globRule, worthEntering, type GlobRule } from "./glob.js";
