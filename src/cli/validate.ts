import type { Command } from "commander";
import { resolve } from "node:path";
import { formatDiagnostic } from "../contract/index.js";
import { listWorkflows, loadWorkflow } from "../workflow/index.js";

/** `stax validate [FILES…]`: every error of every file as `file:line:col: message`; exit 1 when any. */
export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("check workflow files; prints every error as file:line:col: message")
    .argument("[files...]", "workflow files (default: .github/workflows/*.yml of the workspace)")
    .option("-w, --workspace <dir>", "workspace folder", process.env.STAX_WORKSPACE ?? process.cwd())
    .action(async (files: string[], opts: { workspace: string }) => {
      const workspace = resolve(opts.workspace);
      const loaded = files.length
        ? await Promise.all(files.map((f) => loadWorkflow(resolve(f), workspace)))
        : await listWorkflows(workspace);
      let bad = 0;
      for (const w of loaded) {
        if (w.errors.length) bad++;
        for (const d of w.errors) console.log(formatDiagnostic(d));
      }
      if (loaded.length === 0) console.error(`stax: no workflow files in ${workspace}/.github/workflows`);
      else console.error(`${loaded.length - bad} valid, ${bad} invalid workflow file(s)`);
      process.exitCode = bad ? 1 : 0;
    });
}
