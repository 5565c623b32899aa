import type { Command } from "commander";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ArtifactInfo, WorkflowRun } from "../contract/index.js";
import { cliConfig, requireRunner } from "./context.js";

/** `stax artifacts RUN [NAME -o DIR]`: list, or download (a folder artifact comes as a zip). */
export function registerArtifacts(program: Command): void {
  program
    .command("artifacts")
    .description("list a run's artifacts, or download one")
    .argument("<run>")
    .argument("[name]")
    .option("-o, --output <dir>", "where to save a download", ".")
    .option("-w, --workspace <dir>", "workspace")
    .option("--json", "as JSON")
    .action(async (ref: string, name: string | undefined, o: { output: string; workspace?: string; json?: boolean }) => {
      const client = await requireRunner(cliConfig({ workspace: o.workspace }));
      const run = await client.request<WorkflowRun>("GET", `/api/runs/${encodeURIComponent(ref)}`);
      if (!name) {
        const list = await client.request<ArtifactInfo[]>("GET", `/api/runs/${run.id}/artifacts`);
        if (o.json) console.log(JSON.stringify(list, null, 2));
        else if (list.length === 0) console.log(`run ${run.number} has no artifacts`);
        else for (const a of list) console.log(`${a.name}  ${a.size} bytes  ${a.mimeType}  ${a.createdAt}`);
        return;
      }
      const res = await client.fetchRaw(`/api/runs/${run.id}/artifacts/${encodeURIComponent(name)}`);
      const disposition = res.headers.get("content-disposition") ?? "";
      const file = /filename="([^"]+)"/.exec(disposition)?.[1] ?? name;
      const dir = resolve(o.output);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, file), Buffer.from(await res.arrayBuffer()));
      console.log(`saved ${join(dir, file)}`);
    });
}
