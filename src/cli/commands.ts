import type { Command } from "commander";
import { registerRun } from "./run.js";
import { registerValidate } from "./validate.js";

/** Every `stax` sub-command, one file each. */
export function registerCommands(program: Command): void {
  registerRun(program);
  registerValidate(program);
}
