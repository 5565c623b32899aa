import type { Command } from "commander";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { StaxError } from "../contract/index.js";
import { cachedNodes, nodePackage, provideNode } from "../engine/index.js";
import { cliConfig } from "./discovery.js";

/** `stax tools add|list`: the tool cache (`$STAX_HOME/tools`) that setup-node fills and reads. */
export function registerTools(program: Command): void {
  const tools = program
    .command("tools")
    .description("the tool cache ($STAX_HOME/tools): Node builds setup-node uses without the network");
  tools
    .command("add")
    .argument("<tool>", "node")
    .argument(
      "<version>",
      "a version, range or alias as setup-node takes it: 16, 18.x, 20.11.1, lts/*, lts/iron, latest",
    )
    .description(
      "fetch the official build from the npm registry into the tool cache (once; later runs need no network)",
    )
    .action(async (tool: string, spec: string) => {
      if (tool !== "node") throw new StaxError("BAD_REQUEST", `stax tools knows only 'node', not '${tool}'`);
      const toolCache = join(cliConfig().home, "tools");
      mkdirSync(toolCache, { recursive: true });
      const env = Object.fromEntries(
        Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
      );
      // Only the tool cache counts as "there": the point is to have the version for offline runs.
      const choice = await provideNode(spec, {
        installed: [],
        toolCache,
        env,
        cwd: toolCache,
        log: (l) => console.log(l),
      });
      if (!choice.ok)
        throw new StaxError(
          "FETCH_FAILED",
          choice.error.replace(/ Fetch it once while online with: .*$| Retry while online with: .*$/, ""),
        );
      console.log(`node ${choice.value.version} (${nodePackage()}) is in the tool cache: ${choice.value.bin}`);
    });
  tools
    .command("list")
    .option("--json", "as JSON")
    .description("the Node versions in the tool cache")
    .action((flags: { json?: boolean }) => {
      const nodes = cachedNodes(join(cliConfig().home, "tools"));
      if (flags.json) console.log(JSON.stringify(nodes, null, 2));
      else if (!nodes.length) console.log("the tool cache holds no Node (stax tools add node VERSION fills it)");
      else for (const n of nodes) console.log(`node ${n.version}  ${n.bin}`);
    });
}
