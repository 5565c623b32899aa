/**
 * The one-line messages of what a Docker engine could not do for a job (issue 23): each says what
 * is missing and how to get it. The engine's own reason is kept in brackets, unwrapped from its
 * JSON, since it tells an unreachable registry from an image that does not exist.
 */

/** The engine's reason from an error body: `{"message": …}`, a JSON stream's `error`, or the text itself. */
export function engineReason(text: string): string {
  for (const line of text.split("\n").filter(Boolean)) {
    try {
      const parsed = JSON.parse(line) as { message?: string; error?: string };
      if (parsed.error || parsed.message) return (parsed.error ?? parsed.message)!.trim();
    } catch {
      break;
    }
  }
  return text.trim() || "no reason given";
}

/** An image that is not on the engine and could not be pulled. */
export const imageMissing = (image: string, reason: string): string =>
  `the image ${image} is not on this Docker engine and pulling it failed (${reason}); pull it where its registry answers and bring it here (docker save, then docker load), or build it here (docker build -t ${image} FOLDER)`;

/** A Dockerfile whose build failed: at its base image (`FROM`), or at a later step. */
export function buildFailed(o: { what: string; dockerfile: string; step?: string; reason: string }): string {
  const from = /^Step \d+\/\d+ : FROM\s+(?:--platform=\S+\s+)?(\S+)/i.exec(o.step ?? "");
  if (from)
    return `${o.what}: its ${o.dockerfile} starts FROM ${from[1]}, which ${imageMissing(from[1], o.reason).replace(/^the image \S+ /, "")}`;
  return `${o.what}: building its ${o.dockerfile} failed${o.step ? ` at ${o.step.replace(/^Step /, "step ")}` : ""} (${o.reason}); its build output is above`;
}

/** A build's failure, with the step it failed at, for `buildFailed`. */
export class BuildError extends Error {
  constructor(
    readonly step: string | undefined,
    readonly reason: string,
  ) {
    super(`${step ? `${step}: ` : ""}${reason}`);
  }
}
