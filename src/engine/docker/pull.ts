/**
 * An image for a job or service container, pulled with the `credentials:` of the workflow when
 * it gives them (the Engine API's X-Registry-Auth header, as `docker login` would supply).
 */
import { splitImage, type DockerEngine } from "./engine.js";

export interface Credentials {
  username?: string;
  password?: string;
}

/** The registry host an image name names (`registry.example:5000/a/b` → that host), else undefined: the engine's default registry. */
export function registryOf(name: string): string | undefined {
  const first = name.split("/")[0];
  return name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")
    ? first
    : undefined;
}

export async function pullImage(
  engine: DockerEngine,
  image: string,
  credentials: Credentials | undefined,
  log: (l: string) => void,
): Promise<void> {
  if (!credentials?.username && !credentials?.password) return engine.ensureImage(image, log);
  const present = await engine.call("GET", `/images/${encodeURIComponent(image)}/json`).then(
    () => true,
    () => false,
  );
  if (present) return;
  const [name, tag] = splitImage(image);
  const server = registryOf(name);
  const auth = Buffer.from(
    JSON.stringify({
      username: credentials.username ?? "",
      password: credentials.password ?? "",
      ...(server ? { serveraddress: server } : {}),
    }),
  ).toString("base64url");
  log(`Pulling ${name}:${tag} with the credentials given`);
  const r = await engine.call<unknown>(
    "POST",
    `/images/create?fromImage=${encodeURIComponent(name)}&tag=${encodeURIComponent(tag)}`,
    undefined,
    { "X-Registry-Auth": auth },
  );
  // The progress stream is one JSON object a line; an error may come in it with status 200.
  const text = typeof r.body === "string" ? r.body : JSON.stringify(r.body ?? "");
  for (const line of text.split("\n").filter(Boolean)) {
    let e: { error?: string } = {};
    try {
      e = JSON.parse(line) as { error?: string };
    } catch {
      continue;
    }
    if (e.error) throw new Error(`pulling ${image}: ${e.error}`);
  }
}
