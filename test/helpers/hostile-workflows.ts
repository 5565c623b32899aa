/** Workflow files an adversary might commit (issue 15): each must load as a file with positioned errors, quickly. */
export interface HostileWorkflow {
  name: string;
  file: string;
  text: string;
}

/** 9 anchors, each aliasing the previous one 9 times: 9^9 nodes once expanded, from 1.4 KB. */
function aliasBomb(): string {
  const lines = ["on: push", "x:", "  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
  for (let i = 1; i < 9; i++)
    lines.push(
      `  a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(", ")}]`,
    );
  lines.push(
    "jobs:",
    "  a:",
    "    runs-on: ubuntu-latest",
    "    steps:",
    "      - run: echo",
    "        env:",
    "          X: *a8",
  );
  return `${lines.join("\n")}\n`;
}

export const HOSTILE_WORKFLOWS: HostileWorkflow[] = [
  { name: "a YAML alias bomb", file: "bomb.yml", text: aliasBomb() },
  {
    name: "a complex key as a job id",
    file: "complex-key.yml",
    text: "on: push\njobs:\n  ? [a, b]\n  : runs-on: ubuntu-latest\n    steps:\n      - run: echo\n  b:\n    needs: a\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n",
  },
  {
    name: "3,000 levels of block nesting",
    file: "deep-block.yml",
    text: `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      ${"- ".repeat(3000)}x\n`,
  },
  {
    name: "500 levels of indented mappings",
    file: "deep-indent.yml",
    text: `on: push\njobs:\n${Array.from({ length: 500 }, (_, i) => `${" ".repeat(i + 2)}k${i}:`).join("\n")}\n`,
  },
  {
    name: "3,000 levels of flow nesting",
    file: "deep-flow.yml",
    text: `on: push\njobs: ${"[".repeat(3000)}${"]".repeat(3000)}\n`,
  },
  {
    name: "timeout-minutes of 0",
    file: "timeout-zero.yml",
    text: "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: 0\n    steps:\n      - run: echo\n",
  },
  {
    name: "a negative step timeout-minutes",
    file: "timeout-negative.yml",
    text: "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n        timeout-minutes: -1\n",
  },
  {
    name: "timeout-minutes of 1e309",
    file: "timeout-huge.yml",
    text: "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: 1e309\n    steps:\n      - run: echo\n",
  },
  {
    name: "max-parallel of 0",
    file: "max-parallel.yml",
    text: "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    strategy:\n      max-parallel: 0\n      matrix:\n        x: [1, 2]\n    steps:\n      - run: echo\n",
  },
  {
    name: "an empty steps list",
    file: "no-steps.yml",
    text: "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: []\n",
  },
  {
    name: "a file larger than the loader reads",
    file: "huge.yml",
    text: `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n${"      - run: echo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n".repeat(40_000)}`,
  },
];
