/** A minimal ustar writer: a folder as a tar stream, the build context the engine's /build takes. */
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";

const BLOCK = 512;

function header(name: string, size: number, mode: number, type: "0" | "5" | "x", prefix = ""): Buffer {
  const h = Buffer.alloc(BLOCK);
  const field = (value: string, offset: number, length: number) => h.write(value, offset, length, "utf8");
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, "0") + "\0";
  field(name, 0, 100);
  field(octal(mode & 0o7777, 8), 100, 8);
  field(octal(0, 8), 108, 8);
  field(octal(0, 8), 116, 8);
  field(octal(size, 12), 124, 12);
  field(octal(0, 12), 136, 12);
  field("        ", 148, 8);
  field(type, 156, 1);
  field("ustar\0" + "00", 257, 8);
  field(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  field(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return h;
}

const pad = (length: number): Buffer => Buffer.alloc((BLOCK - (length % BLOCK)) % BLOCK);

/** One PAX record, `"<len> path=<value>\n"`, where len counts the whole record including its own digits. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bodyLength = Buffer.byteLength(body);
  let length = bodyLength + 1;
  while (String(length).length + bodyLength !== length) length = String(length).length + bodyLength;
  return Buffer.from(`${length}${body}`);
}

/**
 * The header block(s) of one entry. A name that fits 100 bytes goes in `name`; one that splits at
 * a `/` into ≤155 + ≤100 bytes uses ustar's `prefix`; anything longer gets a PAX extended header
 * (`path=`) before it, which every engine reads. Names are never cut: a cut name would put the
 * file elsewhere in the build context.
 */
function entryHeaders(name: string, size: number, mode: number, type: "0" | "5"): Buffer[] {
  const bytes = (s: string) => Buffer.byteLength(s);
  if (bytes(name) <= 100) return [header(name, size, mode, type)];
  for (let i = name.indexOf("/"); i > 0; i = name.indexOf("/", i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (bytes(prefix) <= 155 && bytes(rest) <= 100 && rest !== "" && rest !== "/") return [header(rest, size, mode, type, prefix)];
  }
  const pax = paxRecord("path", name);
  const short = Buffer.from(name).subarray(-99).toString("utf8").replace(/^\uFFFD+/, "");
  return [header(`PaxHeaders/${short}`.slice(0, 100), pax.length, 0o644, "x"), pax, pad(pax.length), header(short, size, mode, type)];
}

/** The folder `root` as a tar stream (regular files and folders, without `.git`), read without blocking. */
export async function tarFolder(root: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      if (name === ".git") continue;
      const p = join(dir, name);
      const st = await stat(p);
      const rel = relative(root, p);
      if (st.isDirectory()) {
        parts.push(...entryHeaders(`${rel}/`, 0, st.mode, "5"));
        await walk(p);
      } else if (st.isFile()) {
        const data = await readFile(p);
        parts.push(...entryHeaders(rel, data.length, st.mode, "0"), data, pad(data.length));
      }
    }
  };
  await walk(root);
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}
