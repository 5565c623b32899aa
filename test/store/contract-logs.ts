/**
 * The log half of the store contract: a step's lines by range, count, page, search, group markers
 * and text, over chunks of several sizes written in several batches with other steps' and jobs'
 * lines between, and lines of any characters read back exactly.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { makeEvent } from "../../src/contract/index.js";
import type { OpenStore } from "./contract.js";
import { log, using } from "./contract.js";

const line = (jobId: string, stepNumber: number, text: string) =>
  makeEvent("step.log", { runId: "run1", jobId, stepNumber, line: `${text}\n` });

export function logContract(name: string, open: OpenStore): void {
  test(`${name}: a step's lines are read by range with their numbers, across chunks of several batches with another step's lines between`, async () => {
    await using([open("lines")], async (s) => {
      for (let batch = 0; batch < 3; batch++)
        await s.events.append([...Array.from({ length: 1500 }, (_, i) => log("r", batch * 1500 + i)), log("r", 99, 2)]);
      assert.equal(await s.logs.count("r", "j", 1), 4500);
      assert.equal(await s.logs.count("r", "j", 2), 3);
      const page = await s.logs.lines("r", "j", 1, 2990, 20);
      assert.deepEqual(
        page.map((l) => l.n),
        Array.from({ length: 20 }, (_, i) => 2991 + i),
      );
      assert.deepEqual(
        page.map((l) => l.text),
        Array.from({ length: 20 }, (_, i) => `r ${2990 + i}\n`),
      );
      assert.deepEqual(await s.logs.lines("r", "j", 1, 4500, 10), []);
      assert.deepEqual(
        (await s.logs.all("r", "j", 2)).map((l) => l.line),
        ["r 99\n", "r 99\n", "r 99\n"],
      );
    });
  });

  test(`${name}: pages of a 3,000-line step capped by limit, with the total and lastEventId read together; search, group markers and text stream over its chunks; readSince of one job`, async () => {
    await using([open("logs")], async (s) => {
      // Three batches, so the step is stored in chunks of several sizes, with another job's lines between.
      const rows = (from: number, to: number) =>
        Array.from({ length: to - from + 1 }, (_, i) => line("build", 1, `row ${from + i}`));
      await s.events.append([
        makeEvent("job.started", { runId: "run1", jobId: "build", job: { id: "build" } } as never),
        ...rows(1, 1500),
      ]);
      await s.events.append([
        line("test", 1, "other job"),
        line("build", 1, "##[group]Setup"),
        line("build", 1, "\x1b[31mRed Alert\x1b[0m"),
        line("build", 1, "##[endgroup]"),
        ...rows(1504, 2999),
      ]);
      const last = await s.events.append([line("build", 1, "the Needle in the haystack")]);

      const page = await s.logs.page("run1", "build", 1, 1499, 3);
      // Each line also carries when its batch was written (`t`): test/runner/log-times.test.ts.
      assert.deepEqual(
        page.lines.map(({ n, text }) => ({ n, text })),
        [
          { n: 1500, text: "row 1500\n" },
          { n: 1501, text: "##[group]Setup\n" },
          { n: 1502, text: "\x1b[31mRed Alert\x1b[0m\n" },
        ],
      );
      assert.equal(page.total, 3000);
      assert.equal(page.lastEventId, last[0].id);
      const big = await s.logs.page("run1", "build", 1, 0, 5000);
      assert.deepEqual(
        big.lines.map((l) => l.n),
        Array.from({ length: 3000 }, (_, i) => i + 1),
      );
      assert.deepEqual(
        (await s.logs.page("run1", "build", 1, 2999, 10)).lines.map(({ n, text }) => ({ n, text })),
        [{ n: 3000, text: "the Needle in the haystack\n" }],
      );

      assert.deepEqual(await s.logs.search("run1", "build", 1, "NEEDLE IN", 0, 10), {
        matches: [{ n: 3000, text: "the Needle in the haystack\n" }],
        total: 1,
      });
      assert.deepEqual(
        (await s.logs.search("run1", "build", 1, "red alert", 0, 10)).matches.map((m) => m.n),
        [1502],
        "ANSI escapes are not in the way",
      );
      const nines = await s.logs.search("run1", "build", 1, "99", 0, 2);
      assert.deepEqual(
        nines.matches.map((m) => m.n),
        [99, 199],
      );
      assert.equal(nines.total, 57, "x99 rows, 990–999, 1990–1999, 2990–2999");
      assert.deepEqual(
        (await s.logs.search("run1", "build", 1, "99", 1000, 1)).matches.map((m) => m.n),
        [1099],
      );

      const groups = await s.logs.groups("run1", "build", 1);
      assert.deepEqual(groups.markers, [
        { n: 1501, kind: "group" },
        { n: 1503, kind: "endgroup" },
      ]);
      assert.equal(groups.total, 3000);
      assert.equal(groups.lastEventId, last[0].id);
      let text = "";
      for await (const t of s.logs.text("run1", "build", 1)) text += t;
      assert.equal(text, big.lines.map((l) => l.text).join(""));

      const build = await s.events.readSince(0, { runId: "run1", jobId: "build" });
      assert.ok(build.some((e) => e.type === "job.started"));
      assert.equal(build.filter((e) => e.type === "step.log").length, 3000, "the other job's lines are left out");
    });
  });

  test(`${name}: lines holding quotes, backslashes, commas, braces, tabs, NULL, other scripts and a lone surrogate are read back exactly, from chunks of several steps written in one batch`, async () => {
    await using([open("odd-lines")], async (s) => {
      const odd = [
        'say "hi", {x}\n',
        'C:\\dir\\"q"\n',
        "NULL\n",
        "\t{}\n",
        "\\\n",
        "日本語 ✓ 😀\n",
        "\ud800 alone\n",
        '","\\",\n',
        "\u2028\u0001\n",
      ];
      const oddLine = (step: number, i: number) =>
        makeEvent("step.log", { runId: "odd", jobId: "j", stepNumber: step, line: odd[i % odd.length] });
      await s.events.append([
        ...Array.from({ length: 2500 }, (_, i) => oddLine(1, i)),
        ...Array.from({ length: 30 }, (_, i) => oddLine(2, i)),
      ]);
      const want = (n: number) => Array.from({ length: n }, (_, i) => odd[i % odd.length]);
      assert.deepEqual(
        (await s.logs.lines("odd", "j", 1, 0, 3000)).map((l) => l.text),
        want(2500),
      );
      assert.deepEqual(
        (await s.logs.lines("odd", "j", 2, 0, 100)).map((l) => l.text),
        want(30),
      );
      assert.deepEqual(
        (await s.events.readSince(0, { runId: "odd", limit: 5000 })).map((e) =>
          e.type === "step.log" ? e.data.line : "",
        ),
        [...want(2500), ...want(30)],
      );
    });
  });
}
