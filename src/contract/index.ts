/** The contract: the one set of types the engine, runner, CLI and dashboard share. Types and tiny pure helpers only. */
export * from "./status.js";
export * from "./model.js";
export * from "./events.js";
export * from "./errors.js";
export * from "./api.js";
export * from "./logs.js";
export * from "./legs.js";
export * from "./result.js";
export * from "./annotations.js";
export * from "./apply-event.js";
