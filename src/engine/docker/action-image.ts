/**
 * The images stax builds from Docker actions' Dockerfiles, tagged by what they are built from
 * (`stax-action:<digest of the Dockerfile's name and the build context>`), not by where the
 * action lies: an unchanged action reuses its image, whichever checkout a leg has. Each image
 * carries the action it was built for (`stax.action.source`); once a new image of that action is
 * built, its older ones (when no container uses them) are removed, so tags do not pile up.
 */
import { createHash } from "node:crypto";
import type { DockerEngine } from "./engine.js";
import { tarFolder } from "./tar.js";
import { BuildError, buildFailed } from "./messages.js";

export const ACTION_REPOSITORY = "stax-action";
export const ACTION_SOURCE_LABEL = "stax.action.source";

/** The tag of the action's image, built unless an image of the same content is there. */
export async function actionImage(
  engine: DockerEngine,
  o: { dir: string; dockerfile: string; source: string; what: string },
  log: (line: string) => void,
): Promise<string> {
  const context = await tarFolder(o.dir);
  const digest = createHash("sha256").update(o.dockerfile).update("\0").update(context).digest("hex").slice(0, 16);
  const tag = `${ACTION_REPOSITORY}:${digest}`;
  if (await engine.hasImage(tag)) log(`Using ${tag} for ${o.what}: built before from the same files`);
  else {
    log(`Building ${o.dockerfile} of ${o.what} as ${tag}`);
    try {
      await engine.build(context, tag, o.dockerfile, log, { [ACTION_SOURCE_LABEL]: o.source });
    } catch (err) {
      if (!(err instanceof BuildError)) throw err;
      throw new Error(buildFailed({ what: o.what, dockerfile: o.dockerfile, step: err.step, reason: err.reason }));
    }
    await removeOlder(engine, o.source, tag);
  }
  return tag;
}

/** Removes the other images built for `source`; one a container still uses stays (the engine refuses), for a later build to remove. */
async function removeOlder(engine: DockerEngine, source: string, keep: string): Promise<void> {
  const filter = encodeURIComponent(JSON.stringify({ label: [`${ACTION_SOURCE_LABEL}=${source}`] }));
  try {
    const images = (await engine.call<{ RepoTags?: string[] | null }[]>("GET", `/images/json?filters=${filter}`)).body;
    for (const tag of images.flatMap((i) => i.RepoTags ?? [])) {
      if (tag !== keep && tag.startsWith(`${ACTION_REPOSITORY}:`))
        await engine.call("DELETE", `/images/${encodeURIComponent(tag)}`).catch(() => undefined);
    }
  } catch {
    // tidying only: the step has its image
  }
}
