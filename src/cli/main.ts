/**
 * The `stax` entry point. `stax --version` answers before anything else loads; every other command
 * line loads the command parser (`program.ts`), which loads only the command it names.
 */
import { VERSION } from "./version.js";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) process.stdout.write(`${VERSION}\n`);
else await (await import("./program.js")).main(process.argv);
