import type { Command } from "commander";
import { createWriteStream, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { StaxError } from "../contract/index.js";
import { openBackend } from "./backend.js";
import { cliConfig } from "./discovery.js";

/**
 * `stax artifacts RUN [NAME -o DIR]`: list, or download (a folder artifact comes as a zip);
 * through the runner when one serves the workspace, else from the store, like `runs` and `log`.
 */
export function registerArtifacts(program: Command): void {
  program
    .command("artifacts")
    .description("list a run's artifacts, or download one")
    .argument("<run>")
    .argument("[name]")
    .option("-o, --output <dir>", "where to save a download", ".")
    .option("-w, --workspace <dir>", "workspace")
    .option("--json", "as JSON")
    .action(
      async (ref: string, name: string | undefined, o: { output: string; workspace?: string; json?: boolean }) => {
        const b = await openBackend(cliConfig({ workspace: o.workspace }));
        try {
          const run = await b.getRun(ref);
          if (!name) {
            const list = await b.listArtifacts(run.id);
            if (o.json) console.log(JSON.stringify(list, null, 2));
            else if (list.length === 0) console.log(`run ${run.number} has no artifacts`);
            else for (const a of list) console.log(`${a.name}  ${a.size} bytes  ${a.mimeType}  ${a.createdAt}`);
            return;
          }
          if (name.includes("/") || name.includes(".."))
            throw new StaxError("INVALID_NAME", `'${name}' is not a valid artifact name`);
          const dl = await b.artifact(run, name);
          const dir = resolve(o.output);
          mkdirSync(dir, { recursive: true });
          await pipeline(dl.stream, createWriteStream(join(dir, dl.filename)));
          console.log(`saved ${join(dir, dl.filename)}`);
        } finally {
          await b.close();
        }
      },
    );
}
