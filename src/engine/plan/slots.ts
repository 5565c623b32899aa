/**
 * A cap on the job legs that run at once across every run of a runner: a 5,000-job workflow
 * would otherwise start thousands of processes together. Legs waiting for a slot stay `queued`.
 */
export class LegSlots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {}

  /** Resolves with the function that gives the slot back, once one is free (first come, first served). */
  async acquire(): Promise<() => void> {
    if (this.used >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.used++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next leg, so `used` stays counted.
      if (next) next();
      else this.used--;
    };
  }

  /** Legs running now. */
  get running(): number {
    return this.used;
  }
}
