/** Expression evaluation on GitHub's own evaluator, plus status functions and hashFiles. */
export * from "./evaluate.js";
export { stringify, truthy, formatNumber } from "./data.js";
export { hashFiles } from "./hashfiles.js";
export { globFiles, globToRegExp } from "./glob.js";
