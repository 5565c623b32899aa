import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveNodeSpec } from "../../src/engine/tools/node-spec.js";
import { pick, satisfies, type Installed } from "../../src/engine/tools/versions.js";

// The setup-* actions read version ranges with the `semver` package; these are the ranges the
// hand-written matcher got wrong, and the forms the actions accept that semver does not parse.

const installed = (...versions: string[]): Installed[] =>
  versions.map((version) => ({ version, bin: `/opt/${version}/bin`, exe: "tool", from: "test" }));

test("a tilde range on a bare major (~1) accepts any 1.x.y, as semver reads it", () => {
  assert.equal(satisfies("1.5.0", "~1"), true);
  assert.equal(satisfies("1.0.0", "~1"), true);
  assert.equal(satisfies("2.0.0", "~1"), false);
  assert.equal(satisfies("1.5.3", "~1.2"), false);
  assert.equal(satisfies("1.2.9", "~1.2"), true);
});

test("a caret range below 1.0 (^0.2.3) refuses the next minor: 0.9.0 is not compatible with 0.2.3", () => {
  assert.equal(satisfies("0.9.0", "^0.2.3"), false);
  assert.equal(satisfies("0.2.9", "^0.2.3"), true);
  assert.equal(satisfies("0.2.2", "^0.2.3"), false);
  assert.equal(satisfies("0.0.4", "^0.0.3"), false);
});

test("a hyphen range (1.2.3 - 2.3.4) matches the versions between its ends, both included", () => {
  assert.equal(satisfies("2.0.0", "1.2.3 - 2.3.4"), true);
  assert.equal(satisfies("1.2.3", "1.2.3 - 2.3.4"), true);
  assert.equal(satisfies("2.3.4", "1.2.3 - 2.3.4"), true);
  assert.equal(satisfies("2.3.5", "1.2.3 - 2.3.4"), false);
  // A partial upper end takes its whole line, as semver's X-range does.
  assert.equal(satisfies("2.9.0", "1.2 - 2"), true);
  assert.equal(pick(installed("1.0.0", "2.0.0", "2.4.0", "1.9.9"), "1.2.3 - 2.3.4")?.version, "2.0.0");
});

test("the actions' own forms still work beside semver: a bare major, x-ranges, v prefixes, || alternatives, latest/node/*, lts/*", () => {
  assert.equal(satisfies("20.11.1", "20"), true);
  assert.equal(satisfies("21.0.0", "20"), false);
  assert.equal(satisfies("20.11.1", "20.x"), true);
  assert.equal(satisfies("v20.11.1", "v20"), true);
  assert.equal(satisfies("3.11.4", ">=3.9 <3.12"), true);
  assert.equal(satisfies("16.2.0", "14 || 16"), true);
  assert.equal(satisfies("17.0.0", "latest"), true);
  assert.equal(satisfies("17.0.0", "node"), true);
  assert.equal(satisfies("17.0.0", "*"), true);
  assert.equal(satisfies("22.1.0", "lts/*"), true);
  assert.equal(satisfies("23.1.0", "lts/*"), false);
  // Go's older releases name no patch (go1.21); they read as x.y.0.
  assert.equal(satisfies("1.21", "^1.21"), true);
  assert.equal(satisfies("pypy3.9", "3.9"), false);
  assert.equal(satisfies("3.9.1", "pypy3.9"), false);
});

test("a prerelease is taken only by a range naming that version's prerelease, as setup-node's semver.satisfies does", () => {
  assert.equal(satisfies("24.0.0-rc.1", "24"), false);
  assert.equal(satisfies("24.0.0-rc.1", "*"), false);
  assert.equal(satisfies("24.0.0-rc.1", ">=24.0.0-rc.0"), true);
  assert.equal(satisfies("24.0.0-rc.1", "24.0.0-rc.1"), true);
});

test("setup-node resolves the new ranges against the published list: ~20 is the newest 20.x, ^0.x stays on its minor", () => {
  const published = ["0.10.48", "0.12.18", "18.20.4", "20.11.1", "20.18.0", "22.12.0"];
  const r = (spec: string) => {
    const x = resolveNodeSpec(spec, published);
    return x.ok ? x.value : `error: ${x.error}`;
  };
  assert.equal(r("~20"), "20.18.0");
  assert.equal(r("^0.10.1"), "0.10.48");
  assert.equal(r("18.0.0 - 20.12.0"), "20.11.1");
});
