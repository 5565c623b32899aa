/** The CLI's client of the runner: typed REST and SSE. */
export { RunnerClient, itemOf, type StreamItem } from "./client.js";
