import type { Command } from "commander";
import { StaxError, type VarInfo } from "../contract/index.js";
import type { RunnerClient } from "../client/index.js";
import { connectStore, isVarName, type VarStore } from "../store/index.js";
import { cliConfig, findRunner } from "./discovery.js";

/**
 * Repository variables go through the runner when one serves the workspace (its API checks and
 * stores them), else straight into the workspace's store: unlike secrets they need no key.
 */
async function withVars<T>(
  workspace: string | undefined,
  viaApi: (c: RunnerClient) => Promise<T>,
  viaStore: (s: VarStore) => Promise<T>,
): Promise<T> {
  const config = cliConfig({ workspace });
  const client = await findRunner(config);
  if (client) return viaApi(client);
  const store = await connectStore(config);
  try {
    return await viaStore(store.vars);
  } finally {
    await store.close();
  }
}

function checkName(name: string): string {
  if (!isVarName(name))
    throw new StaxError(
      "INVALID_NAME",
      `'${name}' is not a valid variable name (letters, digits and _, not starting with a digit or GITHUB_)`,
    );
  return name;
}

async function stdinText(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/** `stax var set|list|rm`: repository variables for the `vars` context, kept in plain text (not secret). */
export function registerVar(program: Command): void {
  const v = program
    .command("var")
    .description("manage repository variables (the vars context; plain text, not secret)");
  const ws = ["-w, --workspace <dir>", "workspace"] as const;
  v.command("set")
    .argument("<name>")
    .argument("[value]", "the value; read from stdin when left out")
    .description("set a variable (a run's --var overrides it)")
    .option(...ws)
    .action(async (name: string, value: string | undefined, o: { workspace?: string }) => {
      checkName(name);
      const text = value ?? (await stdinText());
      await withVars(
        o.workspace,
        (c) => c.request("PUT", `/api/vars/${encodeURIComponent(name)}`, { value: text }),
        (s) => s.put(name, text),
      );
      console.log(`variable ${name} set`);
    });
  v.command("list")
    .description("variables with their values")
    .option(...ws)
    .option("--json", "as JSON")
    .action(async (o: { workspace?: string; json?: boolean }) => {
      const list = await withVars<VarInfo[]>(
        o.workspace,
        (c) => c.request("GET", "/api/vars"),
        (s) => s.list(),
      );
      if (o.json) console.log(JSON.stringify(list, null, 2));
      else for (const x of list) console.log(`${x.name}=${x.value}`);
    });
  v.command("rm")
    .argument("<name>")
    .description("delete a variable")
    .option(...ws)
    .action(async (name: string, o: { workspace?: string }) => {
      checkName(name);
      await withVars(
        o.workspace,
        (c) => c.request("DELETE", `/api/vars/${encodeURIComponent(name)}`),
        async (s) => {
          if (!(await s.delete(name))) throw new StaxError("VAR_NOT_FOUND", `no variable '${name}'`);
        },
      );
      console.log(`variable ${name} deleted`);
    });
}
