import type { Command } from "commander";
import { spawn } from "node:child_process";
import { cliConfig, findRunner } from "./discovery.js";
import { StaxError } from "../contract/index.js";

/** `stax dashboard`: prints (and opens) the dashboard's URL, starting the runner if needed. */
export function registerDashboard(program: Command): void {
  program
    .command("dashboard")
    .description("open the dashboard (starts the runner if needed)")
    .option("-w, --workspace <dir>", "workspace")
    .option("--no-open", "only print the URL")
    .action(async (o: { workspace?: string; open: boolean }) => {
      const c = cliConfig({ workspace: o.workspace });
      let client = await findRunner(c);
      if (!client) {
        const start = spawn(process.execPath, [process.argv[1], "runner", "start", "--workspace", c.workspace], {
          stdio: "inherit",
        });
        await new Promise((r) => start.on("close", r));
        client = await findRunner(c);
      }
      if (!client) throw new StaxError("RUNNER_UNAVAILABLE", "the runner did not start (its output is above)");
      const url = `${client.baseUrl}/`;
      console.log(`dashboard: ${url}`);
      if (o.open && process.stdout.isTTY) {
        const opener = process.platform === "darwin" ? "open" : process.platform === "win32" ? "start" : "xdg-open";
        spawn(opener, [url], { stdio: "ignore", detached: true })
          .on("error", () => {})
          .unref();
      }
    });
}
