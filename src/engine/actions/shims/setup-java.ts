import { existsSync, readFileSync } from "node:fs";
import { basename, delimiter, dirname, join, resolve } from "node:path";
import type { Shim } from "./index.js";
import { distinctRoots, onPath, pick, realOf, rootFile, subdirs, type Installed } from "../../tools/versions.js";
import { failStep } from "../../steps/run-process.js";

/** setup-java's `distribution` → the `IMPLEMENTOR` a JDK's `release` file names. */
const IMPLEMENTORS: Record<string, RegExp> = {
  temurin: /Adoptium/i,
  adopt: /AdoptOpenJDK|Adoptium/i,
  "adopt-hotspot": /AdoptOpenJDK|Adoptium/i,
  zulu: /Azul/i,
  corretto: /Amazon/i,
  microsoft: /Microsoft/i,
  oracle: /Oracle/i,
  liberica: /BellSoft/i,
  semeru: /IBM|OpenJ9/i,
  sapmachine: /SAP/i,
  dragonwell: /Alibaba/i,
  graalvm: /GraalVM/i,
  jetbrains: /JetBrains/i,
};

/** Maven's, Gradle's and sbt's own folders, which persist between runs on this machine. */
const CACHE_DIRS: Record<string, (home: string) => string> = {
  maven: (home) => join(home, ".m2", "repository"),
  gradle: (home) => join(home, ".gradle", "caches"),
  sbt: (home) => join(home, ".ivy2", "cache"),
};

type Jdk = Installed & { implementor: string };

/** `1.8.0_402` → `8.0.402`; `17.0.15` and `21` as they are. */
function javaVersion(v: string): string {
  const old = /^1\.(\d+)\.(\d+)(?:_(\d+))?/.exec(v);
  return old ? `${old[1]}.${old[2]}.${old[3] ?? 0}` : v;
}

/** A JDK folder's version and vendor from its `release` file; undefined when it is not a JDK. */
function readJdk(home: string, from: string): Jdk | undefined {
  const release = rootFile(home, "java", "release") ?? "";
  const field = (name: string) => new RegExp(`^${name}="?([^"\\n]*)"?`, "m").exec(release)?.[1] ?? "";
  const version = field("JAVA_VERSION");
  return version
    ? {
        version: javaVersion(version),
        bin: join(home, "bin"),
        exe: join(home, "bin", "java"),
        from,
        implementor: field("IMPLEMENTOR"),
      }
    : undefined;
}

/**
 * JDKs on this machine: JAVA_HOME and the JAVA_HOME_<N>_X64 a hosted runner sets, the `java` on
 * the PATH, the system's folders (/usr/lib/jvm, /usr/java, /opt/java, macOS's), and SDKMAN's,
 * asdf's, IntelliJ's and Gradle's. One entry per real folder.
 */
function installedJdks(env: Record<string, string | undefined>, pathValue: string): Jdk[] {
  const home = env.HOME ?? "";
  const fromEnv = Object.entries(env)
    .filter(([k, v]) => v && /^JAVA_HOME(_\d+_[A-Z0-9]+)?$/.test(k))
    .map(([k, v]) => [v!, k] as const);
  const fromPath = onPath(pathValue, ["java"]).map((exe) => [dirname(dirname(realOf(exe))), "PATH"] as const);
  const roots = [
    "/usr/lib/jvm",
    "/usr/java",
    "/opt/java",
    join(home, ".sdkman", "candidates", "java"),
    join(home, ".asdf", "installs", "java"),
    join(home, ".jdks"),
    join(home, ".gradle", "jdks"),
  ];
  const fromRoots = roots.flatMap((r) => subdirs(r).map((d) => [d, r] as const));
  const macos = subdirs("/Library/Java/JavaVirtualMachines").map(
    (d) => [join(d, "Contents", "Home"), "/Library/Java/JavaVirtualMachines"] as const,
  );
  return distinctRoots([...fromEnv, ...fromPath, ...fromRoots, ...macos], readJdk);
}

/** The version a `.java-version`, `.tool-versions` (`java temurin-21.0.2`) or `.sdkmanrc` (`java=21.0.2-tem`) names. */
function versionFromFile(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8");
  const line =
    basename(file) === ".tool-versions"
      ? /^java\s+(\S+)/m.exec(text)?.[1]
      : basename(file) === ".sdkmanrc"
        ? /^java=(\S+)/m.exec(text)?.[1]
        : text.trim().split(/\s+/)[0];
  return /(\d+(?:\.\d+)*)/.exec(line ?? "")?.[1];
}

/**
 * `actions/setup-java`: a JDK installed on this machine that satisfies `java-version` (or
 * `java-version-file`), of the `distribution` asked for when there is one, else another vendor's
 * (said in the log): JAVA_HOME, JAVA_HOME_<major>_X64 and its `bin` first on the PATH; outputs
 * `distribution`, `version`, `path`. `cache:` is Maven's, Gradle's or sbt's own folder here.
 */
export const setupJava: Shim = {
  action: "actions/setup-java",
  async run({ scope, with: w, ref }) {
    const rt = scope.rt;
    const home = rt.run.hostEnv.HOME ?? "";
    let spec = (w["java-version"] ?? "").trim();
    if (!spec && w["java-version-file"]) {
      const file = resolve(rt.workspace, w["java-version-file"]);
      const v = versionFromFile(file);
      if (!v) return failStep(scope, `The java-version-file ${file} does not exist or names no version`);
      spec = v;
    }
    if (!spec) return failStep(scope, "Input required and not supplied: java-version (or java-version-file)");
    const distribution = (w.distribution ?? "").trim().toLowerCase();
    scope.log(
      `stax: using the built-in actions/setup-java (requested ${ref.ref}): a JDK installed on this machine, no download`,
    );
    const jdks = installedJdks(rt.run.hostEnv, [...rt.state.path, rt.run.hostEnv.PATH ?? ""].join(delimiter));
    // `1.8` is 8; `17-ea` asks for 17.
    const wanted = spec.replace(/^1\.(\d+)/, "$1").replace(/-ea$/i, "");
    const vendor = IMPLEMENTORS[distribution];
    const found =
      (vendor &&
        (pick(
          jdks.filter((j) => vendor.test(j.implementor)),
          wanted,
        ) as Jdk | undefined)) ||
      (pick(jdks, wanted) as Jdk | undefined);
    if (!found) {
      const have = jdks.map((j) => `${j.version} (${j.implementor || "unknown vendor"})`).join(", ") || "none";
      return failStep(
        scope,
        `No JDK matching '${spec}' is installed on this machine (found: ${have}). Install one (e.g. apt-get install openjdk-${wanted.split(".")[0]}-jdk, or sdk install java) or change java-version.`,
      );
    }
    const javaHome = dirname(found.bin);
    if (distribution && !(vendor && vendor.test(found.implementor)))
      scope.log(`stax: no ${distribution} JDK ${wanted} here; using ${found.implementor || "another vendor"}'s`);
    scope.log(
      `Found Java ${found.version} (${found.implementor || "unknown vendor"}) in ${found.from} at ${javaHome} for '${spec}'`,
    );
    const major = found.version.split(".")[0];
    const changes = { env: { JAVA_HOME: javaHome, [`JAVA_HOME_${major}_X64`]: javaHome }, path: [found.bin] };
    const outputs: Record<string, string> = {
      distribution: distribution || found.implementor,
      version: found.version,
      path: javaHome,
    };
    const tool = (w.cache ?? "").trim();
    if (tool) {
      const dir = CACHE_DIRS[tool]?.(home);
      if (!dir) return { ...failStep(scope, `Caching for '${tool}' is not supported`), changes };
      outputs["cache-hit"] = String(existsSync(dir));
      scope.log(`stax: cache '${tool}' is this machine's own ${tool} folder (${dir}); it persists between runs`);
    }
    return { result: "success", effects: { outputs, state: {} }, changes };
  },
};
