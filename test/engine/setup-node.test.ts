import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { versionFromFile } from "../../src/engine/actions/shims/setup-node.js";
import { newestFor, shippedNpmMajor, shipsCorepack } from "../../src/engine/tools/node-companions.js";
import { ltsMajors, resolveNodeSpec } from "../../src/engine/tools/node-spec.js";
import { tempDir } from "../helpers/temp.js";

// A published list as the registry gives it: unsorted, with a pre-release, up to a current odd line.
const PUBLISHED = [
  "14.21.3",
  "16.20.1",
  "16.20.2",
  "16.3.0",
  "17.9.1",
  "18.19.0",
  "18.20.4",
  "19.9.0",
  "20.11.1",
  "20.18.0",
  "21.7.3",
  "22.11.0",
  "22.12.0",
  "23.3.0",
  "24.0.0-rc.1",
];

const resolved = (spec: string): string => {
  const r = resolveNodeSpec(spec, PUBLISHED);
  return r.ok ? r.value : `error: ${r.error}`;
};

test("setup-node versions: exact, major, major.x, v-prefixed and ranges pick the newest release that matches", () => {
  assert.equal(resolved("16.3.0"), "16.3.0");
  assert.equal(resolved("16"), "16.20.2");
  assert.equal(resolved("16.x"), "16.20.2");
  assert.equal(resolved("v18"), "18.20.4");
  assert.equal(resolved("^18.19"), "18.20.4");
  assert.equal(resolved(">=18 <21"), "20.18.0");
  assert.equal(resolved("16 - 18"), "18.20.4");
  assert.equal(resolved("14 || 16"), "16.20.2");
  assert.match(resolved("15"), /^error: no published Node version matches '15'/);
});

test("setup-node aliases: latest/current/node is the newest release (never a pre-release); lts/* the newest LTS line, lts/-1 the one before, lts/<codename> by name", () => {
  assert.equal(resolved("latest"), "23.3.0");
  assert.equal(resolved("current"), "23.3.0");
  assert.equal(resolved("node"), "23.3.0");
  assert.equal(resolved("lts/*"), "22.12.0");
  assert.equal(resolved("lts/-1"), "20.18.0");
  assert.equal(resolved("lts/-2"), "18.20.4");
  assert.equal(resolved("lts/iron"), "20.18.0");
  assert.equal(resolved("lts/Gallium"), "16.20.2");
  assert.match(resolved("lts/bogus"), /names no LTS line \(LTS lines: lts\/jod \(22\), lts\/iron \(20\)/);
});

test("an even line counts as LTS once a newer major is out, or when it has a codename: 24 is current while it is the newest", () => {
  assert.deepEqual(ltsMajors(["24.1.0", "22.1.0", "20.1.0"]), [24, 22, 20]);
  assert.deepEqual(ltsMajors(["26.1.0", "25.1.0", "24.1.0"]), [24]);
  assert.deepEqual(ltsMajors(["28.1.0", "27.0.0", "26.1.0"]), [26]);
});

test("node-version-file: .nvmrc (v prefix, comments, aliases), .node-version, .tool-versions, package.json volta.node before engines.node", () => {
  const dir = tempDir("stax-nvf-");
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  assert.equal(versionFromFile(file(".nvmrc", "# pinned\nv16.20.2\n")), "16.20.2");
  assert.equal(versionFromFile(file(".nvmrc", "lts/iron\n")), "lts/iron");
  assert.equal(versionFromFile(file(".node-version", "18\n")), "18");
  assert.equal(versionFromFile(file(".tool-versions", "python 3.12.1\nnodejs 20.11.1\n")), "20.11.1");
  assert.equal(
    versionFromFile(file("package.json", JSON.stringify({ engines: { node: ">=18" }, volta: { node: "20.11.1" } }))),
    "20.11.1",
  );
  assert.equal(versionFromFile(file("package.json", JSON.stringify({ engines: { node: ">=18" } }))), ">=18");
  assert.equal(versionFromFile(join(dir, "missing")), undefined);
});

test("LTS by the release calendar: an even major is LTS from the October after its April release, so lts/* is 26 in December 2026 and 24 in September (clock injected)", () => {
  const versions = ["24.11.0", "25.2.0", "26.0.0", "26.3.1", "27.0.0-rc.1"];
  // Publish times as the registry's `time` gives them; 26's first release came out in April 2026.
  const published = {
    "24.11.0": "2025-11-11T00:00:00Z",
    "25.2.0": "2025-11-12T00:00:00Z",
    "26.0.0": "2026-04-22T10:00:00Z",
    "26.3.1": "2026-11-20T00:00:00Z",
  };
  const at = (iso: string) => {
    const r = resolveNodeSpec("lts/*", versions, { published, now: new Date(iso) });
    return r.ok ? r.value : `error: ${r.error}`;
  };
  assert.equal(at("2026-12-07T04:00:00Z"), "26.3.1");
  assert.equal(at("2026-10-01T00:00:00Z"), "26.3.1");
  assert.equal(at("2026-09-30T23:59:59Z"), "24.11.0");
  assert.deepEqual(ltsMajors(versions, { published, now: new Date("2026-12-07T00:00:00Z") }), [26, 24]);
  // lts/-1 counts from the calendar's newest line; 26 has no codename yet, so lts/<name> cannot name it.
  const minus1 = resolveNodeSpec("lts/-1", versions, { published, now: new Date("2026-12-07T00:00:00Z") });
  assert.ok(minus1.ok && minus1.value === "24.11.0");
  // A line released in the autumn waits for the next October.
  assert.deepEqual(
    ltsMajors(["28.0.0"], { published: { "28.0.0": "2027-10-15T00:00:00Z" }, now: new Date("2028-01-01T00:00:00Z") }),
    [],
  );
  assert.deepEqual(
    ltsMajors(["28.0.0"], { published: { "28.0.0": "2027-10-15T00:00:00Z" }, now: new Date("2028-10-01T00:00:00Z") }),
    [28],
  );
});

test("the npm major a Node line shipped with, and corepack where the release had it; the newest npm of that major whose engines accept the Node", () => {
  const table = (v: string) => shippedNpmMajor(v);
  assert.equal(table("12.22.12"), 6);
  assert.equal(table("14.21.3"), 6);
  assert.equal(table("16.10.0"), 7);
  assert.equal(table("16.20.2"), 8);
  assert.equal(table("18.13.0"), 8);
  assert.equal(table("18.20.4"), 10);
  assert.equal(table("20.9.0"), 9);
  assert.equal(table("22.12.0"), 10);
  assert.equal(table("24.1.0"), 11);
  assert.equal(table("26.0.0"), undefined, "newer than the table: the newest npm whose engines accept it");
  assert.deepEqual(["14.18.0", "14.19.0", "16.8.0", "16.9.0", "24.0.0", "25.0.0"].map(shipsCorepack), [
    false,
    true,
    false,
    true,
    true,
    false,
  ]);
  const npm6 = [
    { version: "6.14.18", engines: { node: "6 >=6.2.0 || 8 || >=9.3.0" } },
    { version: "6.14.17" },
    { version: "6.15.0-pre.0" },
  ];
  assert.equal(newestFor(npm6, "14.21.3"), "6.14.18");
  assert.equal(
    newestFor(
      [
        { version: "10.9.2", engines: { node: "^18.17.0 || >=20.5.0" } },
        { version: "10.2.3", engines: { node: "^18.17.0 || >=20.5.0" } },
      ],
      "18.16.0",
    ),
    undefined,
  );
});
