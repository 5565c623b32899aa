/**
 * JOB-12 on one machine: which `runs-on` labels this host answers. A job that asks for another
 * OS or a label the host lacks is skipped with one line saying why (as act does), unless
 * `--platform LABEL=host` maps the label here — it never runs on Linux quietly as "windows".
 */
import { arch, platform } from "node:os";
import { evaluateToken } from "../../expressions/index.js";
import { jobContexts, type JobStart } from "../runtime.js";

/** The labels the host answers by itself, lower-cased: its OS family, its architecture, `self-hosted`. */
function hostMatches(label: string): boolean {
  const l = label.toLowerCase();
  const os = platform();
  const cpu = arch() === "x64" ? "x64" : arch() === "arm64" ? "arm64" : arch();
  if (l === "self-hosted" || l === cpu) return true;
  if (os === "linux") {
    if (l === "linux") return true;
    // ubuntu-latest, ubuntu-24.04, ubuntu-slim …; the -arm images need an arm64 host.
    if (/^ubuntu-/.test(l)) return /-arm$/.test(l) ? cpu === "arm64" : true;
  }
  if (os === "darwin") return l === "macos" || /^macos-/.test(l);
  return false;
}

/** The labels of an evaluated `runs-on`: a string, a list, or `{ group, labels }`. */
export function runsOnLabels(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.map(String);
  if (value && typeof value === "object") {
    const v = value as { group?: unknown; labels?: unknown };
    return [...(v.group !== undefined ? [`group:${String(v.group)}`] : []), ...runsOnLabels(v.labels)];
  }
  return [];
}

/** The skip line of a job whose labels ask for what `missing` names, on a machine described by `here`. */
function skipLine(labels: string[], missing: string[], here: string): string {
  const other = missing.find((l) => /^(windows|macos|ubuntu)/i.test(l));
  const why = other
    ? `'${other}' asks for ${/^windows/i.test(other) ? "Windows" : /^macos/i.test(other) ? "macOS" : "an ARM Ubuntu"} and ${here}`
    : `this machine has no runner label ${missing.map((l) => `'${l}'`).join(", ")}`;
  return `stax: skipped: runs-on ${labels.map((l) => `'${l}'`).join(", ")}: ${why}; run it here anyway with --platform ${missing[0]}=host`;
}

/** Labels (lower case) `--platform LABEL=host` maps to the machine that runs the job. */
function mappedLabels(platforms: Record<string, string>): Set<string> {
  return new Set(Object.keys(platforms).map((k) => k.toLowerCase()));
}

/**
 * Why a job with these labels cannot run on this host (undefined: it can). `platforms` maps
 * labels (case-insensitive) to `host`. Every label must be answered, as a runner must have all.
 */
export function runsOnMismatch(labels: string[], platforms: Record<string, string>): string | undefined {
  const mapped = mappedLabels(platforms);
  const missing = labels.filter((l) => !mapped.has(l.toLowerCase()) && !hostMatches(l));
  if (!missing.length) return undefined;
  const os = platform() === "darwin" ? "macOS" : platform() === "linux" ? "Linux" : platform();
  return skipLine(labels, missing, `this machine is ${os} ${arch()}`);
}

/**
 * Many machines: what the coordinator does with a leg whose `runs-on` has these labels, decided
 * before it is dispatched. A label `--platform` mapped to `host` asks for nothing (any worker runs
 * it, as one machine would). Another OS (`windows-*`, `macos-*`) is skipped with the same line
 * as on one machine: stax workers run Linux, so such a leg would wait for a worker that never
 * comes. The rest become the labels a worker must all have (WorkerOptions.labels): lower case;
 * `self-hosted` asks for nothing, `ubuntu-*` for `linux`, `ubuntu-*-arm` for `linux` and `arm64`;
 * any other label waits for a worker started with it (`stax worker --labels`).
 */
export function legLabels(labels: string[], platforms: Record<string, string>): { labels: string[]; skip?: string } {
  const mapped = mappedLabels(platforms);
  const left = labels.filter((l) => !mapped.has(l.toLowerCase()));
  const otherOs = left.filter((l) => /^(windows|macos)/i.test(l));
  if (otherOs.length) return { labels: [], skip: skipLine(labels, otherOs, "stax workers run Linux") };
  const wanted = left
    .map((l) => l.toLowerCase())
    .flatMap((l) =>
      l === "self-hosted" ? [] : /^ubuntu-.*-arm$/.test(l) ? ["linux", "arm64"] : /^ubuntu-/.test(l) ? ["linux"] : [l],
    );
  return { labels: [...new Set(wanted)].sort() };
}

/** The skip line for this job leg, evaluating `runs-on` with its matrix (CTX-11 J); throws on a bad expression. */
export function runsOnSkip(start: JobStart): string | undefined {
  if (start.def.runsOn === undefined) return undefined;
  const labels = runsOnLabels(evaluateToken(start.def.runsOn, jobContexts(start)));
  return labels.length ? runsOnMismatch(labels, start.services.platforms) : undefined;
}

/**
 * act's `-P LABEL=IMAGE` (`--platform ubuntu-latest=node:20`): the image a job whose `runs-on`
 * has a label mapped to one runs in, when it has no `container:` of its own. `host` is no image.
 */
export function platformImage(start: JobStart): string | undefined {
  const platforms = start.services.platforms;
  if (start.def.runsOn === undefined || !Object.values(platforms).some((v) => v !== "host")) return undefined;
  const byLabel = new Map(Object.entries(platforms).map(([k, v]) => [k.toLowerCase(), v]));
  let labels: string[];
  try {
    labels = runsOnLabels(evaluateToken(start.def.runsOn, jobContexts(start)));
  } catch {
    return undefined; // runsOnSkip reports a bad expression
  }
  return labels.map((l) => byLabel.get(l.toLowerCase())).find((v) => v && v !== "host");
}
