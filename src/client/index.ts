/** The CLI's client of the runner: typed REST and SSE. */
export { RunnerClient, parseFrame, type StreamItem } from "./client.js";
