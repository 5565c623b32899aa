import { homedir } from "node:os";
import { dirname, relative, resolve, sep } from "node:path";
import { matchPaths } from "./match-paths.js";
import { failStep, type ProcessOutcome } from "../../steps/run-process.js";
import type { Shim, ShimCall } from "./index.js";

/** The deepest folder holding every file (actions/upload-artifact's root). */
function commonRoot(files: string[]): string {
  let root = dirname(files[0]);
  for (const f of files) while (!(f + sep).startsWith(root + sep) && !f.startsWith(root + sep)) root = dirname(root);
  return root;
}

function unavailable(call: ShimCall): ProcessOutcome {
  return failStep(call.scope, "artifacts need the stax store; this run has none");
}

/** `actions/upload-artifact` (v3/v4 inputs): stores the files in the runner's artifact area. */
export const uploadArtifact: Shim = {
  action: "actions/upload-artifact",
  async run(call): Promise<ProcessOutcome> {
    const { scope, with: w } = call;
    const store = scope.rt.services.artifacts;
    if (!store) return unavailable(call);
    const name = w.name || "artifact";
    // v4.4 and later leave hidden files out unless asked (`include-hidden-files`); earlier majors took them.
    const hidden = w["include-hidden-files"] === "true" || /^v[1-3](\.|$)/.test(call.ref.ref);
    const files = await matchPaths(w.path ?? "", {
      workspace: scope.rt.workspace,
      home: homedir(),
      list: "files",
      hidden,
    });
    scope.log(`stax: using the built-in actions/upload-artifact (requested ${call.ref.ref})`);
    if (files.length === 0) {
      const mode = (w["if-no-files-found"] || "warn").toLowerCase();
      const msg = `No files were found with the provided path: ${w.path}. No artifacts will be uploaded.`;
      if (mode === "error") {
        return failStep(scope, msg);
      }
      if (mode === "warn") scope.log(`##[warning]${msg}`);
      return { result: "success", effects: { outputs: {}, state: {} } };
    }
    const root = commonRoot(files);
    const { id, size } = await store.upload(
      scope.rt.services.runId,
      name,
      root,
      files.map((f) => relative(root, f)),
    );
    scope.log(
      `Uploaded artifact '${name}': ${files.length} file(s), ${size} bytes${w["retention-days"] ? ` (retention-days ${w["retention-days"]} noted; the runner's retention setting applies)` : ""}`,
    );
    return {
      result: "success",
      effects: {
        outputs: { "artifact-id": id, "artifact-url": `/api/runs/${scope.rt.services.runId}/artifacts/${name}` },
        state: {},
      },
    };
  },
};

/** `actions/download-artifact`: one artifact into `path`, or all of them into `path/<name>`. */
export const downloadArtifact: Shim = {
  action: "actions/download-artifact",
  async run(call): Promise<ProcessOutcome> {
    const { scope, with: w } = call;
    const store = scope.rt.services.artifacts;
    if (!store) return unavailable(call);
    const dest = resolve(scope.rt.workspace, w.path || ".");
    scope.log(`stax: using the built-in actions/download-artifact (requested ${call.ref.ref})`);
    const names = await store.download(scope.rt.services.runId, w.name || undefined, dest);
    scope.log(`Downloaded ${names.length} artifact(s) to ${dest}: ${names.join(", ")}`);
    return { result: "success", effects: { outputs: { "download-path": dest }, state: {} } };
  },
};
