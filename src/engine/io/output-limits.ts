/**
 * The sizes GitHub allows outputs, and the ones stax adds so that a step's outputs cannot grow
 * without bound. GitHub sizes outputs "approximated based on UTF-16 encoding": 2 bytes per
 * code unit of each name and value.
 */
export const JOB_OUTPUTS_LIMIT = 1024 * 1024;
export const RUN_OUTPUTS_LIMIT = 50 * 1024 * 1024;
/** stax's own: GitHub keeps step outputs on the runner; stax bounds them so memory and the steps context stay small. */
export const STEP_OUTPUTS_LIMIT = 8 * 1024 * 1024;
export const STEP_OUTPUT_NAMES_LIMIT = 100_000;

/** The size GitHub counts for one output. */
export function outputSize(name: string, value: string): number {
  return 2 * (name.length + value.length);
}

/** The size of a set of outputs. */
export function outputsSize(outputs: Record<string, string>): number {
  let n = 0;
  for (const [k, v] of Object.entries(outputs)) n += outputSize(k, v);
  return n;
}

/** "8 MiB" / "1.5 MiB" / "300 KiB": sizes as the limit lines print them. */
export function size(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / 1024 / 1024).toFixed(1))} MiB`;
  return `${Math.ceil(bytes / 1024)} KiB`;
}

/**
 * A step's outputs as they arrive (`::set-output`, GITHUB_OUTPUT), refused past the step limits:
 * the first refusal is logged and fails the step; later ones are dropped quietly.
 */
export class StepOutputs {
  private bytes = 0;
  private names = 0;
  private refused = false;

  constructor(
    private readonly outputs: Record<string, string>,
    private readonly refuse: (message: string) => void,
  ) {}

  set(name: string, value: string): void {
    if (this.refused) return;
    const old = Object.hasOwn(this.outputs, name) ? this.outputs[name] : undefined;
    const bytes = this.bytes + outputSize(name, value) - (old === undefined ? 0 : outputSize(name, old));
    const names = this.names + (old === undefined ? 1 : 0);
    if (bytes > STEP_OUTPUTS_LIMIT || names > STEP_OUTPUT_NAMES_LIMIT) {
      this.refused = true;
      const which =
        names > STEP_OUTPUT_NAMES_LIMIT
          ? `${STEP_OUTPUT_NAMES_LIMIT.toLocaleString("en")} names`
          : size(STEP_OUTPUTS_LIMIT);
      this.refuse(
        `The step's outputs exceed stax's limit of ${which} per step (sized as GitHub sizes outputs, 2 bytes per UTF-16 code unit); output '${name}' and the ones after it are dropped.`,
      );
      return;
    }
    this.outputs[name] = value;
    this.bytes = bytes;
    this.names = names;
  }
}
