import type { Command } from "commander";
import { StaxError } from "../contract/index.js";
import { PgFleet, grantWorker, workerGrants } from "../store/index.js";
import { cliConfig } from "./discovery.js";

function databaseUrl(): string {
  const url = cliConfig().databaseUrl;
  if (!url)
    throw new StaxError(
      "CONFIG_INVALID",
      "`stax db` works on the shared store: set STAX_DATABASE_URL or pass --database URL",
    );
  return url;
}

/** `stax db migrate` and `stax db worker-role`: the shared store's schema and a worker's least privileges. */
export function registerDb(program: Command): void {
  const db = program
    .command("db")
    .description("the shared PostgreSQL store: schema and roles (docs/scale-out.md, Security)");
  db.command("migrate")
    .description("create or upgrade the stax tables; run it with the role that owns them")
    .addHelpText("after", "\nExample:\n  STAX_DATABASE_URL=postgres://stax_owner@db/stax stax db migrate")
    .action(async () => {
      const fleet = await PgFleet.connect(databaseUrl());
      await fleet.close();
      console.log("the stax tables are at the current schema version");
    });
  db.command("worker-role")
    .argument("<role>", "an existing PostgreSQL role the workers log in with")
    .description("give a role what a worker needs and nothing more (no runs, no secrets, no new legs)")
    .option("--print", "print the SQL instead of running it")
    .addHelpText(
      "after",
      "\nExamples:\n  psql -c \"CREATE ROLE stax_worker LOGIN PASSWORD '…'\"\n  stax db worker-role stax_worker          # as the tables' owner\n  stax db worker-role stax_worker --print  # review the GRANTs first",
    )
    .action(async (role: string, o: { print?: boolean }) => {
      if (o.print) return void console.log(workerGrants(role).join("\n"));
      await grantWorker(databaseUrl(), role);
      console.log(`${role} may now run legs as a worker, and nothing more`);
    });
}
