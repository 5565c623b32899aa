import type { Command } from "commander";
import { registerActions } from "./actions.js";
import { registerArtifacts } from "./artifacts.js";
import { registerDashboard } from "./dashboard.js";
import { registerDb } from "./db.js";
import { registerLog } from "./log.js";
import { registerRun } from "./run.js";
import { registerRunner } from "./runner.js";
import { registerRuns } from "./runs.js";
import { registerSecret } from "./secret.js";
import { registerTools } from "./tools.js";
import { registerValidate } from "./validate.js";
import { registerVar } from "./var.js";
import { registerWorker } from "./worker.js";

/** Every `stax` sub-command, one file each. */
export function registerCommands(program: Command): void {
  registerRun(program);
  registerValidate(program);
  registerRunner(program);
  registerRuns(program);
  registerLog(program);
  registerSecret(program);
  registerVar(program);
  registerArtifacts(program);
  registerDashboard(program);
  registerActions(program);
  registerTools(program);
  registerWorker(program);
  registerDb(program);
}
