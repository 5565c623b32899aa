/**
 * Values of `docker create` options and `ports:` entries as the Docker CLI reads them: Go
 * durations (`10s`, `1m30s`), byte sizes with binary units (`512m`, `1g`), and port specs
 * (`[ip:][host:]container[/proto]`, a host range left to the engine).
 */

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go duration (`10s`, `1m30s`, `500ms`) in nanoseconds, as the Engine API wants health timings. */
export function parseDuration(v: string, name = "duration"): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(v); m; m = re.exec(v)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]];
    end = re.lastIndex;
  }
  if (v === "0") return 0;
  if (!v || end !== v.length) throw new Error(`${name} takes a duration such as 10s or 1m30s, not '${v}'`);
  return Math.round(total);
}

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** `512m`, `1g`, `1.5GB`, `1024` → bytes (binary units, as the CLI's RAMInBytes). */
export function parseByteSize(v: string, name = "size"): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtpb]?)b?$/i.exec(v.trim());
  if (!m) throw new Error(`${name} takes a size such as 512m or 1g, not '${v}'`);
  return Math.round(Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()]);
}

export interface PortSpec {
  /** `80/tcp`: the key of ExposedPorts and PortBindings. */
  key: string;
  hostIp: string;
  /** Empty: a random free port, chosen by the engine. */
  hostPort: string;
}

/** `8080:80`, `80`, `127.0.0.1:8080:80/udp`, `127.0.0.1::80` (as `-p` and `ports:` take them). */
export function parsePortSpec(v: string | number): PortSpec {
  const text = String(v).trim();
  const slash = text.lastIndexOf("/");
  const proto = slash < 0 ? "tcp" : text.slice(slash + 1);
  const parts = (slash < 0 ? text : text.slice(0, slash)).split(":");
  if (parts.length > 3 || !/^\d+(-\d+)?$/.test(parts.at(-1)!) || !/^(tcp|udp|sctp)$/.test(proto))
    throw new Error(`port '${text}' is not [ip:][host:]container[/tcp|udp|sctp]`);
  const container = parts.at(-1)!;
  const hostPort = parts.length >= 2 ? parts.at(-2)! : "";
  if (hostPort && !/^\d+(-\d+)?$/.test(hostPort))
    throw new Error(`port '${text}': the host port '${hostPort}' is not a number`);
  return { key: `${container}/${proto}`, hostIp: parts.length === 3 ? parts[0] : "", hostPort };
}
