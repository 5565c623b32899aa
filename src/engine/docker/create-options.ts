/**
 * `container.options` and `services.<id>.options` (DOCK-02): GitHub hands the string to
 * `docker create`, so it accepts every option of that command except `--network` (the runner
 * puts the job's containers on its own network) and `--entrypoint`. stax speaks the Engine API,
 * not the CLI: each option is mapped here onto the create body (`Config` fields and its
 * `HostConfig`), as the Docker CLI maps them. An option the CLI does not have, or one GitHub
 * refuses, is an error naming it, so a typo does not pass silently.
 */
import { splitCommandLine } from "../io/command-line.js";
import { parseByteSize, parseDuration, parsePortSpec } from "./option-values.js";

/** The part of a create body options change (merged over what stax sets). */
export interface CreateOptions {
  config: Record<string, unknown>;
  host: Record<string, unknown>;
  /** `--name`, `--platform`: query parameters of the create call. */
  query: Record<string, string>;
  /** `--network-alias`: more names on the job's network. */
  aliases: string[];
}

/** Applies one option's value; `name` is the option as written, for messages. */
type Apply = (o: CreateOptions, value: string, name: string) => void;

const push = (rec: Record<string, unknown>, key: string, v: unknown) => {
  rec[key] = [...((rec[key] as unknown[] | undefined) ?? []), v];
};
const bool = (v: string, name: string): boolean => {
  if (v === "" || v === "true") return true;
  if (v === "false") return false;
  throw new Error(`${name} takes true or false, not '${v}'`);
};
const int = (v: string, name: string): number => {
  if (!/^-?\d+$/.test(v)) throw new Error(`${name} takes a whole number, not '${v}'`);
  return Number(v);
};
const config = (key: string, conv: (v: string, n: string) => unknown = (v) => v): [Apply, boolean] => [
  (o, v, n) => (o.config[key] = conv(v, n)),
  true,
];
const host = (key: string, conv: (v: string, n: string) => unknown = (v) => v): [Apply, boolean] => [
  (o, v, n) => (o.host[key] = conv(v, n)),
  true,
];
const hostList = (key: string, conv: (v: string) => unknown = (v) => v): [Apply, boolean] => [
  (o, v) => push(o.host, key, conv(v)),
  true,
];
const hostFlag = (key: string): [Apply, boolean] => [(o, v, n) => (o.host[key] = bool(v, n)), false];
const health = (key: string, conv: (v: string, n: string) => unknown): [Apply, boolean] => [
  (o, v, n) => (o.config.Healthcheck = { ...(o.config.Healthcheck as object), [key]: conv(v, n) }),
  true,
];
const keyValue = (key: string, where: "config" | "host"): [Apply, boolean] => [
  (o, v) => {
    const eq = v.indexOf("=");
    o[where][key] = { ...(o[where][key] as object), [eq < 0 ? v : v.slice(0, eq)]: eq < 0 ? "" : v.slice(eq + 1) };
  },
  true,
];

/** `--ulimit nofile=1024:2048`. */
function ulimit(v: string): { Name: string; Soft: number; Hard: number } {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(v);
  if (!m) throw new Error(`--ulimit takes NAME=SOFT[:HARD], not '${v}'`);
  return { Name: m[1], Soft: Number(m[2]), Hard: Number(m[3] ?? m[2]) };
}

/** `--device /dev/x[:/dev/y[:rwm]]`. */
function device(v: string): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  const [onHost, inside = onHost, perms = "rwm"] = v.split(":");
  return { PathOnHost: onHost, PathInContainer: inside, CgroupPermissions: perms };
}

/** `--mount type=bind,source=/a,target=/b,readonly`. */
function mount(v: string): Record<string, unknown> {
  const out: Record<string, unknown> = { Type: "volume" };
  for (const part of v.split(",")) {
    const [k, val = "true"] = part.split(/=(.*)/s);
    const key = k.toLowerCase();
    if (key === "type") out.Type = val;
    else if (key === "source" || key === "src") out.Source = val;
    else if (key === "target" || key === "destination" || key === "dst") out.Target = val;
    else if (key === "readonly" || key === "ro") out.ReadOnly = val !== "false" && val !== "0";
    else if (key === "tmpfs-size") out.TmpfsOptions = { SizeBytes: parseByteSize(val, "--mount tmpfs-size") };
    else if (key !== "consistency") throw new Error(`--mount: unknown field '${k}'`);
  }
  if (!out.Target) throw new Error(`--mount needs a target: '${v}'`);
  return out;
}

/** `-p [ip:][host:]container[/proto]`: the port exposed, and bound on the host. */
const publish: Apply = (o, v) => {
  const p = parsePortSpec(v);
  o.config.ExposedPorts = { ...(o.config.ExposedPorts as object), [p.key]: {} };
  const bindings = (o.host.PortBindings as Record<string, unknown[]> | undefined) ?? {};
  bindings[p.key] = [...(bindings[p.key] ?? []), { HostIp: p.hostIp, HostPort: p.hostPort }];
  o.host.PortBindings = bindings;
};

/** Each option: how it changes the body, and whether it takes a value. */
const OPTIONS: Record<string, [Apply, boolean]> = {
  "--hostname": config("Hostname"),
  "--domainname": config("Domainname"),
  "--user": config("User"),
  "--workdir": config("WorkingDir"),
  "--env": [(o, v) => push(o.config, "Env", v.includes("=") ? v : `${v}=`), true],
  "--label": keyValue("Labels", "config"),
  "--expose": [
    (o, v) =>
      (o.config.ExposedPorts = { ...(o.config.ExposedPorts as object), [v.includes("/") ? v : `${v}/tcp`]: {} }),
    true,
  ],
  "--stop-signal": config("StopSignal"),
  "--stop-timeout": config("StopTimeout", int),
  "--tty": [(o, v) => (o.config.Tty = bool(v, "--tty")), false],
  "--interactive": [(o, v) => (o.config.OpenStdin = bool(v, "--interactive")), false],
  "--mac-address": config("MacAddress"),
  "--health-cmd": health("Test", (v) => ["CMD-SHELL", v]),
  "--health-interval": health("Interval", parseDuration),
  "--health-timeout": health("Timeout", parseDuration),
  "--health-start-period": health("StartPeriod", parseDuration),
  "--health-start-interval": health("StartInterval", parseDuration),
  "--health-retries": health("Retries", int),
  "--no-healthcheck": [(o, v) => bool(v, "--no-healthcheck") && (o.config.Healthcheck = { Test: ["NONE"] }), false],
  "--volume": hostList("Binds"),
  "--mount": hostList("Mounts", mount),
  "--tmpfs": [
    (o, v) => (o.host.Tmpfs = { ...(o.host.Tmpfs as object), [v.split(":")[0]]: v.split(":").slice(1).join(":") }),
    true,
  ],
  "--volumes-from": hostList("VolumesFrom"),
  "--link": hostList("Links"),
  "--cpus": host("NanoCpus", (v, n) => {
    if (!/^\d*\.?\d+$/.test(v)) throw new Error(`${n} takes a number, not '${v}'`);
    return Math.round(Number(v) * 1e9);
  }),
  "--cpu-shares": host("CpuShares", int),
  "--cpu-period": host("CpuPeriod", int),
  "--cpu-quota": host("CpuQuota", int),
  "--cpu-rt-period": host("CpuRealtimePeriod", int),
  "--cpu-rt-runtime": host("CpuRealtimeRuntime", int),
  "--cpuset-cpus": host("CpusetCpus"),
  "--cpuset-mems": host("CpusetMems"),
  "--memory": host("Memory", parseByteSize),
  "--memory-swap": host("MemorySwap", (v, n) => (v === "-1" ? -1 : parseByteSize(v, n))),
  "--memory-reservation": host("MemoryReservation", parseByteSize),
  "--memory-swappiness": host("MemorySwappiness", int),
  "--kernel-memory": host("KernelMemory", parseByteSize),
  "--shm-size": host("ShmSize", parseByteSize),
  "--blkio-weight": host("BlkioWeight", int),
  "--pids-limit": host("PidsLimit", int),
  "--oom-kill-disable": hostFlag("OomKillDisable"),
  "--oom-score-adj": host("OomScoreAdj", int),
  "--privileged": hostFlag("Privileged"),
  "--read-only": hostFlag("ReadonlyRootfs"),
  "--init": hostFlag("Init"),
  "--publish-all": hostFlag("PublishAllPorts"),
  "--cap-add": hostList("CapAdd"),
  "--cap-drop": hostList("CapDrop"),
  "--security-opt": hostList("SecurityOpt"),
  "--add-host": hostList("ExtraHosts", (v) => v.replace(/=/, ":")),
  "--dns": hostList("Dns"),
  "--dns-search": hostList("DnsSearch"),
  "--dns-option": hostList("DnsOptions"),
  "--device": hostList("Devices", device),
  "--device-cgroup-rule": hostList("DeviceCgroupRules"),
  "--ulimit": hostList("Ulimits", ulimit),
  "--group-add": hostList("GroupAdd"),
  "--sysctl": keyValue("Sysctls", "host"),
  "--storage-opt": keyValue("StorageOpt", "host"),
  "--ipc": host("IpcMode"),
  "--pid": host("PidMode"),
  "--uts": host("UTSMode"),
  "--userns": host("UsernsMode"),
  "--cgroupns": host("CgroupnsMode"),
  "--cgroup-parent": host("CgroupParent"),
  "--isolation": host("Isolation"),
  "--runtime": host("Runtime"),
  "--restart": host("RestartPolicy", (v) => ({
    Name: v.split(":")[0],
    MaximumRetryCount: Number(v.split(":")[1] ?? 0),
  })),
  "--rm": hostFlag("AutoRemove"),
  "--log-driver": [(o, v) => (o.host.LogConfig = { Config: {}, ...(o.host.LogConfig as object), Type: v }), true],
  "--log-opt": [
    (o, v) => {
      const lc = (o.host.LogConfig as { Type?: string; Config?: Record<string, string> } | undefined) ?? {};
      const [k, val = ""] = v.split(/=(.*)/s);
      o.host.LogConfig = { Type: lc.Type ?? "", Config: { ...lc.Config, [k]: val } };
    },
    true,
  ],
  "--gpus": [
    (o, v) =>
      push(o.host, "DeviceRequests", {
        Driver: "",
        Count: v === "all" ? -1 : int(v.replace(/^count=/, ""), "--gpus"),
        Capabilities: [["gpu"]],
      }),
    true,
  ],
  "--publish": [publish, true],
  "--network-alias": [(o, v) => o.aliases.push(v), true],
  "--name": [(o, v) => (o.query.name = v), true],
  "--platform": [(o, v) => (o.query.platform = v), true],
  // Pull policy: stax pulls only what is missing, as `missing` does.
  "--pull": [() => undefined, true],
};

const SHORT: Record<string, string> = {
  h: "--hostname",
  u: "--user",
  w: "--workdir",
  e: "--env",
  l: "--label",
  v: "--volume",
  m: "--memory",
  c: "--cpu-shares",
  t: "--tty",
  i: "--interactive",
  p: "--publish",
  P: "--publish-all",
};
const ALIASES: Record<string, string> = { "--net": "--network", "--net-alias": "--network-alias" };
const REFUSED: Record<string, string> = {
  "--network": "the job's containers are on the network stax makes for the job, as on GitHub",
  "--entrypoint": "GitHub does not allow it for job and service containers",
};

/** `; did you mean --cpus?` for a near miss (at most two edits), else nothing. */
function nearest(name: string): string {
  const distance = (a: string, b: string): number => {
    let row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++)
        next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    return row[b.length];
  };
  const best = Object.keys(OPTIONS)
    .map((o) => [o, distance(name, o)] as const)
    .sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= 2 ? `; did you mean ${best[0]}?` : "";
}

/** Parses an options string; throws with a message naming the option that is wrong. */
export function parseCreateOptions(text: string | undefined): CreateOptions {
  const out: CreateOptions = { config: {}, host: {}, query: {}, aliases: [] };
  // `-ti`: short flags that take no value run together, as the CLI reads them.
  const words = splitCommandLine(text ?? "").flatMap((w) =>
    /^-[A-Za-z]{2,}$/.test(w) && OPTIONS[SHORT[w[1]] ?? ""]?.[1] === false ? [...w.slice(1)].map((c) => `-${c}`) : [w],
  );
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    let name: string;
    let inline: string | undefined;
    if (word.startsWith("--")) {
      const eq = word.indexOf("=");
      [name, inline] = eq < 0 ? [word, undefined] : [word.slice(0, eq), word.slice(eq + 1)];
    } else if (/^-[A-Za-z]/.test(word)) {
      const long = SHORT[word[1]];
      if (!long) throw new Error(`unknown option '${word}' (docker create has no -${word[1]} stax knows)`);
      name = long;
      const rest = word.slice(2);
      inline = rest === "" ? undefined : rest.startsWith("=") ? rest.slice(1) : rest;
    } else {
      throw new Error(`'${word}' is not an option (options are docker create's --flags; the image goes in 'image:')`);
    }
    name = ALIASES[name] ?? name;
    if (REFUSED[name]) throw new Error(`${name} is not supported: ${REFUSED[name]}`);
    const entry = OPTIONS[name];
    if (!entry) throw new Error(`unknown option '${name}' (not a docker create option${nearest(name)})`);
    const [apply, takesValue] = entry;
    let value = inline ?? "";
    if (takesValue && inline === undefined) {
      if (i + 1 >= words.length) throw new Error(`${name} needs a value`);
      value = words[++i];
    }
    apply(out, value, name);
  }
  return out;
}
