import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { failStep, runProcess } from "../../steps/run-process.js";
import { inputEnv } from "../node-action.js";
import type { Shim } from "./index.js";

/** The script runner, next to this module in the sources and copied next to dist/cli.js by the build. */
const RUNTIME = fileURLToPath(new URL("./github-script-runtime.cjs", import.meta.url));

/**
 * `actions/github-script`: runs `script` in Node as an async function with `require`, `context`,
 * `core`, `exec`, `glob` and `io` like the real action, and sets `result` (`result-encoding`
 * json or string). `github` is there but fails on use with a clear error: the API needs the network.
 */
export const githubScript: Shim = {
  action: "actions/github-script",
  async run({ scope, def, with: w, env, ref }) {
    const rt = scope.rt;
    if (!existsSync(RUNTIME)) {
      return failStep(scope, `the github-script runner is missing (${RUNTIME}); rebuild stax`);
    }
    if (!w.script) {
      return failStep(scope, "Input required and not supplied: script");
    }
    scope.log(
      `stax: using the built-in actions/github-script (requested ${ref.ref}); \`github\` API calls are not available offline`,
    );
    const contextFile = join(rt.temp, `_stax_github_context_${def.id.replace(/[^\w-]/g, "_")}.json`);
    writeFileSync(contextFile, JSON.stringify({ ...rt.run.github, event_path: rt.eventPath, job: rt.def.id }));
    const inputs: Record<string, string> = { "result-encoding": "json", ...w };
    const extraEnv: Record<string, string> = { STAX_GITHUB_CONTEXT_FILE: contextFile, ...inputEnv(inputs) };
    return runProcess(
      { ...scope, action: { path: "", repository: "actions/github-script", ref: ref.ref } },
      def.id,
      env,
      { command: rt.run.nodePath, args: [RUNTIME], cwd: rt.workspace, extraEnv },
    );
  },
};
