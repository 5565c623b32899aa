import type { Command } from "commander";
import { StaxError } from "../contract/index.js";
import { addToCache, gitFetcher, listCache, parseRepoRef, removeFromCache } from "../engine/index.js";
import { cliConfig } from "./discovery.js";

function spec(s: string): string {
  try {
    parseRepoRef(s);
    return s;
  } catch (err) {
    throw new StaxError("BAD_REQUEST", (err as Error).message);
  }
}

/** `stax actions add|pull|list|rm`: the offline action cache (STAX_ACTIONS_CACHE). */
export function registerActions(program: Command): void {
  const actions = program
    .command("actions")
    .description("the action cache: remote actions and reusable workflows available offline");
  actions
    .command("add")
    .argument("<owner/repo@ref>")
    .argument("<dir>", "a local checkout of the action's repository at that ref")
    .description("copy a local checkout into the cache (without .git)")
    .action((s: string, dir: string) => {
      const c = cliConfig();
      try {
        const e = addToCache(c.actionsCache, spec(s), dir);
        console.log(`cached ${s}${e.commit ? ` (${e.commit.slice(0, 12)})` : ""} in ${e.dir}`);
      } catch (err) {
        if (err instanceof StaxError) throw err;
        throw new StaxError("BAD_REQUEST", (err as Error).message);
      }
    });
  actions
    .command("pull")
    .argument("<owner/repo@ref>")
    .description("fetch owner/repo at ref into the cache (needs the network; GITHUB_TOKEN for private repositories)")
    .action(async (s: string) => {
      const c = cliConfig();
      const { owner, repo, ref } = parseRepoRef(spec(s));
      const got = await gitFetcher(c.actionsCache, { token: process.env.GITHUB_TOKEN, probeMs: 3000 })(
        owner,
        repo,
        ref,
      );
      if (!got.ok)
        throw new StaxError(
          "FETCH_FAILED",
          `could not pull ${s}: ${got.error}\nwithout the network, use: stax actions add ${s} <dir>`,
        );
      console.log(`cached ${s} in ${got.value}`);
    });
  actions
    .command("list")
    .description("what the cache holds")
    .option("--json", "as JSON")
    .action((o: { json?: boolean }) => {
      const c = cliConfig();
      const list = listCache(c.actionsCache);
      if (o.json) console.log(JSON.stringify(list, null, 2));
      else if (!list.length)
        console.log(
          `the action cache (${c.actionsCache}) is empty; fill it with: stax actions add owner/repo@ref <dir>`,
        );
      else
        for (const e of list)
          console.log(`${e.owner}/${e.repo}@${e.ref}  ${e.commit ? e.commit.slice(0, 12) : "-"}  ${e.source ?? ""}`);
    });
  actions
    .command("rm")
    .argument("<owner/repo@ref>")
    .description("remove an action from the cache")
    .action((s: string) => {
      if (!removeFromCache(cliConfig().actionsCache, spec(s)))
        throw new StaxError("BAD_REQUEST", `${s} is not in the action cache`);
      console.log(`removed ${s}`);
    });
}
