import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { StaxError, type SecretInfo } from "../contract/index.js";
import { cliConfig, requireRunner } from "./discovery.js";
import { rotateKey } from "./rotate-key.js";

/** Reads a secret value from stdin (piped) or a prompt that does not echo. */
async function readValue(name: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks)
      .toString("utf8")
      .replace(/\r?\n$/, "");
  }
  process.stderr.write(`value for ${name}: `);
  process.stdin.setRawMode(true);
  let value = "";
  return new Promise((resolve, reject) => {
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString("utf8")) {
        if (ch === "\r" || ch === "\n") {
          process.stdin.setRawMode(false);
          process.stdin.off("data", onData);
          process.stdin.pause();
          process.stderr.write("\n");
          resolve(value);
          return;
        }
        if (ch === "\u0003") {
          process.stdin.setRawMode(false);
          reject(new StaxError("BAD_REQUEST", "cancelled"));
          return;
        }
        value = ch === "\u007f" ? value.slice(0, -1) : value + ch;
      }
    };
    process.stdin.on("data", onData);
    process.stdin.resume();
  });
}

/** `stax secret set|list|rm|import`: encrypted at rest by the runner, never shown back. */
export function registerSecret(program: Command): void {
  const secret = program.command("secret").description("manage secrets (encrypted at rest, masked in every log)");
  const ws = ["-w, --workspace <dir>", "workspace"] as const;
  secret
    .command("set")
    .argument("<name>")
    .description("set a secret; the value comes from stdin or a hidden prompt")
    .option(...ws)
    .action(async (name: string, o: { workspace?: string }) => {
      const client = await requireRunner(cliConfig({ workspace: o.workspace }));
      const value = await readValue(name);
      await client.request("PUT", `/api/secrets/${encodeURIComponent(name)}`, { value });
      console.log(`secret ${name} set`);
    });
  secret
    .command("list")
    .description("secret names (never values)")
    .option(...ws)
    .option("--json", "as JSON")
    .action(async (o: { workspace?: string; json?: boolean }) => {
      const client = await requireRunner(cliConfig({ workspace: o.workspace }));
      const list = await client.request<SecretInfo[]>("GET", "/api/secrets");
      if (o.json) console.log(JSON.stringify(list, null, 2));
      else
        for (const s of list)
          console.log(
            `${s.name}  (updated ${s.updatedAt})${s.unreadable ? "  unreadable: stored under another secrets key" : ""}`,
          );
    });
  secret
    .command("rm")
    .argument("<name>")
    .description("delete a secret")
    .option(...ws)
    .action(async (name: string, o: { workspace?: string }) => {
      const client = await requireRunner(cliConfig({ workspace: o.workspace }));
      await client.request("DELETE", `/api/secrets/${encodeURIComponent(name)}`);
      console.log(`secret ${name} deleted`);
    });
  secret
    .command("import")
    .argument("<file>", "a .env file")
    .description("import every KEY=value of a dotenv file")
    .option(...ws)
    .action(async (file: string, o: { workspace?: string }) => {
      const client = await requireRunner(cliConfig({ workspace: o.workspace }));
      const r = await client.request<{ imported: string[] }>("POST", "/api/secrets/import", {
        content: readFileSync(file, "utf8"),
      });
      console.log(`imported ${r.imported.length} secret(s): ${r.imported.join(", ")}`);
    });
  secret
    .command("rotate-key")
    .description(
      "seal every stored secret again under a new key (STAX_NEW_SECRETS_KEY with a shared store; else a new key file)",
    )
    .option(...ws)
    .addHelpText(
      "after",
      "\nExamples:\n  stax runner stop && stax secret rotate-key            # one machine: a new secrets.key\n  STAX_NEW_SECRETS_KEY=$(openssl rand -base64 32) stax secret rotate-key   # many machines: then restart every process with it",
    )
    .action(async (o: { workspace?: string }) => {
      console.log(await rotateKey(cliConfig({ workspace: o.workspace })));
    });
}
