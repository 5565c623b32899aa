/** A minimal ustar writer: a folder as a tar stream, the build context the engine's /build takes. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

function header(name: string, size: number, mode: number, type: "0" | "5"): Buffer {
  const h = Buffer.alloc(512);
  const field = (value: string, offset: number, length: number) => h.write(value, offset, length, "utf8");
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, "0") + "\0";
  field(name.length > 100 ? name.slice(-100) : name, 0, 100);
  field(octal(mode & 0o7777, 8), 100, 8);
  field(octal(0, 8), 108, 8);
  field(octal(0, 8), 116, 8);
  field(octal(size, 12), 124, 12);
  field(octal(0, 12), 136, 12);
  field("        ", 148, 8);
  field(type, 156, 1);
  field("ustar\0" + "00", 257, 8);
  let sum = 0;
  for (const b of h) sum += b;
  field(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return h;
}

export function tarFolder(root: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name === ".git") continue;
      const p = join(dir, name);
      const st = statSync(p);
      const rel = relative(root, p);
      if (st.isDirectory()) {
        parts.push(header(`${rel}/`, 0, st.mode, "5"));
        walk(p);
      } else if (st.isFile()) {
        const data = readFileSync(p);
        parts.push(header(rel, data.length, st.mode, "0"), data, Buffer.alloc((512 - (data.length % 512)) % 512));
      }
    }
  };
  walk(root);
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
